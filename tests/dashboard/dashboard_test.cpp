// The node dashboard end to end: a real edge-node, a service deployed over the mCM API and
// called over HTTP, then the page at `/` loaded in headless Chromium. The assertions read the
// DOM after the page's script ran: what a person would see.
#include <doctest/doctest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include <unistd.h>

#include "node_test_util.hpp"

namespace {
using namespace edge::test;
using namespace edge::test::node;
namespace fs = std::filesystem;

const char* const kService = "dashboard-greeter-v1";
const char* const kLogLine = "dashboard-greeter served a request";

// Debian's chromium; empty when it is not installed.
fs::path find_chromium() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"chromium", "chromium-browser"})
      if (fs::path p = fs::path(dir) / name; !dir.empty() && ::access(p.c_str(), X_OK) == 0) return p;
  return {};
}

// The DOM of `url` after its scripts ran for 5 s of virtual time (fetches included).
std::string rendered_dom(const std::string& url) {
  fs::path chromium = find_chromium();
  REQUIRE_MESSAGE(!chromium.empty(),
                  "chromium is not installed: the dashboard test needs a headless browser. Install it with "
                  "`sudo apt-get install chromium` (scripts/setup.sh lists it)");
  TempDir profile;  // a fresh profile and HOME: nothing from the user's browser, nothing left behind
  auto r = run({chromium.string(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + (profile / "profile").string(), "--virtual-time-budget=5000", "--dump-dom", url},
               {}, {{"HOME", profile.path().string()}}, 120);
  INFO("chromium stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// The deployed service, called `calls` times.
void deploy_and_call(NodeProcess& node, int calls) {
  auto cli = client(node);
  auto up = upload(*cli, image_tar(kService, "1.0.0", test_module("dashboard_greeter")));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto started = start_container(*cli, kService);
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  httplib::Client service("127.0.0.1", node.port());
  for (int i = 0; i < calls; ++i) {
    auto res = service.Get(service_path(node, "/dashboard-greeter/v1/hello"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
  }
}

// The number a stat tile shows (`<span class="value" data-testid="requests">7</span>`), -1 if absent.
long shown_number(const std::string& dom, const std::string& testid) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex("data-testid=\"" + testid + "\">([0-9]+)<"))) return -1;
  return std::stol(m[1]);
}

}  // namespace

TEST_CASE("the dashboard shows a deployed service: URL, request count, latency and log lines") {
  TempDir data;
  NodeProcess::Options o = node_options(data.path());
  o.token = "";  // --no-auth: the page needs no token
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  const int calls = 5;
  deploy_and_call(node, calls);

  std::string dom = rendered_dom(node.url() + "/");
  INFO("DOM: " << dom);
  CHECK(dom.find("data-service=\"" + std::string(kService) + "\"") != std::string::npos);
  CHECK(dom.find(">" + std::string(kService) + "</h2>") != std::string::npos);
  CHECK(dom.find(node.url() + "/test-client/dashboard-greeter/v1/") != std::string::npos);
  CHECK(shown_number(dom, "requests") >= calls);
  CHECK(dom.find(kLogLine) != std::string::npos);
  CHECK(std::regex_search(dom, std::regex(R"(data-testid="p50">[0-9.]+ ms<)")));
  CHECK(dom.find("cannot reach the node") == std::string::npos);
  CHECK(dom.find("token needed") == std::string::npos);
}

TEST_CASE("with a token the page is public, asks for the token and takes it from the address") {
  TempDir data;
  NodeProcess node(node_options(data.path()));  // token "test-token"
  REQUIRE_MESSAGE(node.start(), node.log());
  deploy_and_call(node, 2);

  // The page itself needs no token and carries nothing secret.
  httplib::Client plain("127.0.0.1", node.port());
  auto page = plain.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").starts_with("text/html"));
  CHECK(page->body.find(node.token()) == std::string::npos);
  auto script = plain.Get("/dashboard/dashboard.js");
  REQUIRE(script);
  CHECK(script->status == 200);
  CHECK(plain.Get("/dashboard/..%2Ftoken")->status == 404);
  CHECK(plain.Get("/dashboard/notes.txt")->status == 404);

  SUBCASE("without the token: the token form, no service data") {
    std::string dom = rendered_dom(node.url() + "/");
    INFO("DOM: " << dom);
    CHECK(dom.find("token needed") != std::string::npos);
    CHECK(dom.find(R"(<form id="token-form">)") != std::string::npos);  // no longer hidden
    CHECK(dom.find(kService) == std::string::npos);
  }
  SUBCASE("with /?token=: the services") {
    std::string dom = rendered_dom(node.url() + "/?token=" + node.token());
    INFO("DOM: " << dom);
    CHECK(dom.find(">" + std::string(kService) + "</h2>") != std::string::npos);
    CHECK(shown_number(dom, "requests") >= 2);
    CHECK(dom.find(kLogLine) != std::string::npos);
    CHECK(dom.find("test-token") == std::string::npos);  // not echoed into the page
  }
}
