// The routes of src/main.cpp, run in-process: `edge test` compiles this file with the service's
// sources for this machine. ServiceHost answers the proxy's outbound fetches from stubs, so a
// test needs no network and says exactly what upstream answers.
#include <doctest/doctest.h>

#include <edge/testing/service_host.hpp>

using edge::testing::FetchReply;
using edge::testing::ServiceHost;

TEST_CASE("an allowed URL is fetched and its status, type and body passed on") {
  ServiceHost host;
  host.env["PROXY_ALLOW"] = "http://upstream.test/";
  host.on_fetch("http://upstream.test/", FetchReply{201, "made", {{"content-type", "text/plain"}}});
  auto res = host.get("/fetch?url=http://upstream.test/things&method=POST");
  CHECK(res.status == 201);
  CHECK(res.body == "made");
  CHECK(res.header("content-type") == "text/plain");
  CHECK(res.header("x-proxied-url") == "http://upstream.test/things");
  REQUIRE(host.fetched.size() == 1);
  CHECK(host.fetched[0].method == "POST");
}

TEST_CASE("with an empty PROXY_ALLOW, or a URL it does not list, nothing is fetched") {
  ServiceHost host;
  CHECK(host.get("/fetch?url=http://upstream.test/").status == 403);
  host.env["PROXY_ALLOW"] = "http://upstream.test/";
  CHECK(host.get("/fetch?url=http://elsewhere.test/").status == 403);
  CHECK(host.get("/fetch?url=file:///etc/passwd").status == 403);
  CHECK(host.fetched.empty());
}

TEST_CASE("an upstream that cannot be reached is 502; no url is 400") {
  ServiceHost host;
  host.env["PROXY_ALLOW"] = "*";
  host.on_fetch("http://down.test/", FetchReply::failure("connection refused"));
  auto res = host.get("/fetch?url=http://down.test/");
  CHECK(res.status == 502);
  CHECK(res.body.find("connection refused") != std::string::npos);
  CHECK(host.get("/fetch").status == 400);
}
