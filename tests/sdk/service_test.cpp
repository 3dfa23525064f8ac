// Request/response mapping through the real exports: an encoded event goes in, we capture
// what the SDK sends with mk_module_api_request. Host calls are answered both later (our
// node) and synchronously inside mk_module_api_request.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <doctest/doctest.h>

#include <edge/edge.hpp>
#include <edge/json.hpp>

#include <edge/testing/fake_host.hpp>

using edge::Value;
using edge::test::FakeHost;

TEST_CASE("service: the event becomes a Request, the response carries status, headers and body") {
  FakeHost host;
  edge::Request seen;
  edge::service().get("/items/:id", [&](edge::Request& req, edge::Response& res) {
    seen = req;
    res.status(201).header("X-Trace", "abc").json_text(R"({"ok":true})");
  });
  host.event(FakeHost::request("get", "/items/a%2Fb?tail=5&q=a+b&q=c%20d", "",
                               Value::map({{"Content-Type", "text/plain"}, {"x-custom", "1"}}),
                               Value::map({{"GREETING", "hi"}}), Value::map({{"nodeId", "n1"}})));
  CHECK(seen.method() == "GET");
  CHECK(seen.path() == "/items/a%2Fb");
  CHECK(seen.param("id") == "a/b");
  CHECK(seen.query("tail") == "5");
  CHECK(seen.query("q") == "a b");
  CHECK(seen.query().all("q") == std::vector<std::string>{"a b", "c d"});
  CHECK(seen.header("content-type") == "text/plain");
  CHECK(seen.header("CONTENT-TYPE") == "text/plain");
  CHECK(seen.header("X-Custom") == "1");
  CHECK(seen.env("GREETING") == "hi");
  CHECK(seen.info("nodeId") == "n1");

  auto sent = host.calls("response.send");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].session == 0);  // no reply wanted
  CHECK(sent[0].message["jsonrpc"].as_string() == "2.0");
  CHECK(sent[0].message["id"].as_int() == 0);
  auto r = host.responses()[0];
  CHECK(r.status == 201);
  CHECK(r.body == R"({"ok":true})");
  CHECK(r.headers["X-Trace"].as_string() == "abc");
  CHECK(r.headers["content-type"].as_string() == "application/json");
}

TEST_CASE("service: the wire format of response.send is [body, {statusCode, headers}]") {
  FakeHost host;
  edge::service().get("/", [](edge::Request&, edge::Response& res) { res.text("hi"); });
  host.event(FakeHost::request("GET", "/"));
  REQUIRE(host.raw.size() == 1);
  Value expected = edge::rpc::message(
      0, "response.send",
      Value::array({"hi", Value::map({{"statusCode", 200},
                                      {"headers", Value::map({{"content-type", "text/plain; charset=utf-8"}})}})}));
  CHECK(host.raw[0] == edge::msgpack::encode(expected));
}

// Response::send writes its message in one pass (http.hpp); these are the bytes of the Value the
// SDK used to build for it, which the node and mimik's readers were tested against.
TEST_CASE("service: response.send written in one pass is the message it always was") {
  FakeHost host;
  edge::service().get("/many", [](edge::Request&, edge::Response& res) {
    res.headers().add("Set-Cookie", "a=1");
    res.headers().add("x-one", "1");
    res.headers().add("Set-Cookie", "b=2");
    res.status(207).send(std::string(300, 'z'));
  });
  edge::service().get("/file",
                      [](edge::Request&, edge::Response& res) { res.send_file("/data/a.bin", "application/x-a"); });
  host.event(FakeHost::request("GET", "/many"));
  host.event(FakeHost::request("GET", "/file"));
  REQUIRE(host.raw.size() == 2);
  Value many = edge::rpc::message(
      0, "response.send",
      Value::array(
          {std::string(300, 'z'),
           Value::map({{"statusCode", 207}, {"headers", Value::map({{"Set-Cookie", "a=1, b=2"}, {"x-one", "1"}})}})}));
  CHECK(host.raw[0] == edge::msgpack::encode(many));
  Value file = edge::rpc::message(
      0, "response.send",
      Value::array(
          {"", Value::map({{"statusCode", 200}, {"filePath", "/data/a.bin"}, {"fileMimeType", "application/x-a"}})}));
  CHECK(host.raw[1] == edge::msgpack::encode(file));
}

TEST_CASE("service: unknown path is 404, wrong method 405 with Allow, both JSON") {
  FakeHost host;
  edge::service().get("/items", [](edge::Request&, edge::Response& res) { res.text("list"); });
  edge::service().put("/items", [](edge::Request&, edge::Response& res) { res.text("put"); });
  host.event(FakeHost::request("GET", "/nope"));
  host.event(FakeHost::request("DELETE", "/items"));
  host.event(FakeHost::request("GET", ""));  // an empty url is the root
  auto r = host.responses();
  REQUIRE(r.size() == 3);
  CHECK(r[0].status == 404);
  CHECK(r[0].headers["content-type"].as_string() == "application/json");
  CHECK(edge::Json::parse(r[0].body).ok());
  CHECK(r[1].status == 405);
  CHECK(r[1].headers["allow"].as_string() == "GET, HEAD, PUT");
  CHECK(r[2].status == 404);
}

TEST_CASE("service: a handler that returns without responding gets a 500, exactly once") {
  FakeHost host;
  edge::service().get("/silent", [](edge::Request&, edge::Response&) {});
  edge::service().get("/twice", [](edge::Request&, edge::Response& res) {
    res.text("one");
    res.text("two");
  });
  host.event(FakeHost::request("GET", "/silent"));
  host.event(FakeHost::request("GET", "/twice"));
  auto r = host.responses();
  REQUIRE(r.size() == 2);
  CHECK(r[0].status == 500);
  CHECK(r[0].body.find("did not send a response") != std::string::npos);
  CHECK(r[1].body == "one");
}

TEST_CASE("service: a before-hook can answer, or let the route run") {
  FakeHost host;
  edge::service().before([](edge::Request& req, edge::Response& res) {
    if (req.header("authorization").empty()) {
      res.error(401, "missing token");
      return false;
    }
    return true;
  });
  edge::service().get("/", [](edge::Request&, edge::Response& res) { res.text("in"); });
  host.event(FakeHost::request("GET", "/"));
  host.event(FakeHost::request("GET", "/", "", Value::map({{"authorization", "Bearer x"}})));
  auto r = host.responses();
  REQUIRE(r.size() == 2);
  CHECK(r[0].status == 401);
  CHECK(r[1].body == "in");
}

TEST_CASE("service: a malformed event is answered with 400, not a crash") {
  FakeHost host;
  std::string junk = "\xdd\xff\xff";
  int64_t ref = host.stash(junk);
  mk_module_on_event(ref, static_cast<int32_t>(junk.size()));
  auto r = host.responses();
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == 400);
}

namespace {
// A storage-backed handler: get, then respond from the callback.
void install_get_route() {
  edge::service().get("/items/:id", [](edge::Request& req, edge::Response& res) {
    edge::storage::get("item:" + req.param("id"), [&res](edge::Result<std::string> r) {
      if (!r) return res.error(404, r.error());
      res.json_text(*r);
    });
  });
}
}  // namespace

TEST_CASE("host calls: replies delivered later through mk_module_on_api_response") {
  FakeHost host;  // Mode::Later, like our node
  install_get_route();
  host.responder = [](const edge::test::Sent& s) {
    if (s.params()["key"].as_string() == "item:1") return FakeHost::success(R"({"n":1})");
    return FakeHost::error("not found");
  };
  host.auto_pump = false;
  host.event(FakeHost::request("GET", "/items/1"));
  CHECK(host.responses().empty());  // still waiting: no premature 500
  auto get = host.calls("storage.get_item");
  REQUIRE(get.size() == 1);
  CHECK(get[0].session > 0);
  CHECK(get[0].message["id"].as_int() == get[0].session);
  CHECK(get[0].params() == Value::map({{"key", "item:1"}, {"value", ""}, {"tag", ""}}));
  host.pump();
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].body == R"({"n":1})");

  host.auto_pump = true;
  host.event(FakeHost::request("GET", "/items/2"));
  REQUIRE(host.responses().size() == 2);
  CHECK(host.responses()[1].status == 404);
  CHECK(host.responses()[1].body.find("not found") != std::string::npos);
}

TEST_CASE("storage.get: a 404 status from the host is a missing key") {
  FakeHost host;
  install_get_route();
  host.responder = [](const edge::test::Sent&) { return FakeHost::success("", 404); };
  host.event(FakeHost::request("GET", "/items/1"));
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].status == 404);
  CHECK(host.responses()[0].body.find("no such key") != std::string::npos);
}

TEST_CASE("host calls: replies given synchronously inside mk_module_api_request") {
  FakeHost host;
  host.mode = FakeHost::Mode::Synchronous;
  install_get_route();
  host.responder = [](const edge::test::Sent&) { return FakeHost::success("\"v\""); };
  host.event(FakeHost::request("GET", "/items/1"));
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].status == 200);
  CHECK(host.responses()[0].body == "\"v\"");
}

TEST_CASE("host calls: chained calls keep the request open until the last one answers") {
  for (auto mode : {FakeHost::Mode::Later, FakeHost::Mode::Synchronous}) {
    FakeHost host;
    host.mode = mode;
    host.responder = [](const edge::test::Sent&) { return FakeHost::success("ok"); };
    edge::service().put("/items/:id", [](edge::Request& req, edge::Response& res) {
      edge::storage::set_with_tag("item:" + req.param("id"), req.body(), "items", [&res](edge::Result<std::string> r) {
        if (!r) return res.error(500, r.error());
        edge::storage::remove("other", [&res](edge::Result<std::string>) { res.status(204).send(); });
      });
    });
    host.event(FakeHost::request("PUT", "/items/9", "{\"a\":1}"));
    REQUIRE(host.responses().size() == 1);
    CHECK(host.responses()[0].status == 204);
    auto set = host.calls("storage.set_item_with_tag");
    REQUIRE(set.size() == 1);
    CHECK(set[0].params() == Value::map({{"key", "item:9"}, {"value", "{\"a\":1}"}, {"tag", "items"}}));
    CHECK(host.calls("storage.remove_item").size() == 1);
    CHECK(host.calls("storage.remove_item")[0].session != set[0].session);
  }
}

TEST_CASE("host calls: a callback that forgets to respond gets the 500") {
  FakeHost host;
  host.responder = [](const edge::test::Sent&) { return FakeHost::success(""); };
  edge::service().get(
      "/", [](edge::Request&, edge::Response&) { edge::storage::set("k", "v", [](edge::Result<std::string>) {}); });
  host.event(FakeHost::request("GET", "/"));
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].status == 500);
}

TEST_CASE("storage.each_item: one reply per item, 0 continues, 1 stops, empty headers end") {
  FakeHost host;
  std::vector<std::string> items = {"a", "b", "c"};
  size_t next = 0;
  int32_t session = 0;
  host.responder = [&](const edge::test::Sent& s) {
    session = s.session;
    return Value();  // replies are pushed below
  };
  std::vector<std::string> seen;
  bool done = false;
  edge::service().get("/items", [&](edge::Request& req, edge::Response& res) {
    size_t limit = req.query("limit").empty() ? 100 : std::stoul(req.query("limit"));
    edge::storage::each(
        "items",
        [&seen, limit](const std::string& k, const std::string& v) {
          seen.push_back(k + "=" + v);
          return seen.size() < limit;
        },
        [&res, &done](edge::Status st) {
          done = st.ok();
          res.text("done");
        });
  });
  host.auto_pump = false;
  host.event(FakeHost::request("GET", "/items"));
  REQUIRE(host.calls("storage.each_item").size() == 1);
  CHECK(host.calls("storage.each_item")[0].params() == Value::map({{"tag", "items"}}));
  for (; next < items.size(); ++next)
    CHECK(host.reply_now(session, FakeHost::success("", 200, Value::map({{items[next], "v" + items[next]}}))) == 0);
  CHECK(host.responses().empty());
  CHECK(host.reply_now(session, FakeHost::success("", 200, Value::map())) == 0);  // the end
  CHECK(done);
  CHECK(seen == std::vector<std::string>{"a=va", "b=vb", "c=vc"});
  REQUIRE(host.responses().size() == 1);

  // Stopping early answers 1.
  seen.clear();
  host.event(FakeHost::request("GET", "/items?limit=1"));
  CHECK(host.reply_now(session, FakeHost::success("", 200, Value::map({{"a", "1"}}))) == 1);
  CHECK(seen.size() == 1);
  CHECK(host.responses().size() == 2);
}

TEST_CASE("httpclient.fetch: request shape, an HTTP error status is a response, no answer a failure") {
  FakeHost host;
  host.responder = [](const edge::test::Sent& s) {
    if (s.params()["url"].as_string() == "http://127.0.0.1:1/ok")
      return FakeHost::success("pong", 200, Value::map({{"content-type", "text/plain"}}));
    if (s.params()["url"].as_string() == "http://127.0.0.1:1/busy")
      return FakeHost::error_with_data("upstream said 503", "busy", 503);  // how mimik's node reports it
    return FakeHost::error("connection refused");
  };
  edge::service().get("/fetch", [](edge::Request& req, edge::Response& res) {
    edge::http::FetchRequest f;
    f.url = req.query("url");
    f.method = "POST";
    f.headers.add("x-a", "1");
    f.body = "ping";
    edge::http::fetch(f, [&res](edge::Result<edge::http::FetchResponse> r) {
      if (!r) return res.status(502).text("failed: " + r.error());
      res.status(r->status).header("content-type", r->headers.get("content-type")).send(r->body + "|" + r->host_error);
    });
  });
  host.event(FakeHost::request("GET", "/fetch?url=http%3A%2F%2F127.0.0.1%3A1%2Fok"));
  host.event(FakeHost::request("GET", "/fetch?url=http://127.0.0.1:1/busy"));
  host.event(FakeHost::request("GET", "/fetch?url=http://127.0.0.1:1/down"));
  auto calls = host.calls("httpclient.fetch");
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].params() == Value::map({{"url", "http://127.0.0.1:1/ok"},
                                         {"method", "POST"},
                                         {"headers", Value::map({{"x-a", "1"}})},
                                         {"data", "ping"},
                                         {"mode", ""}}));
  auto r = host.responses();
  REQUIRE(r.size() == 3);
  CHECK(r[0].body == "pong|");
  CHECK(r[0].headers["content-type"].as_string() == "text/plain");
  CHECK(r[1].status == 503);
  CHECK(r[1].body == "busy|upstream said 503");
  CHECK(r[2].status == 502);
  CHECK(r[2].body == "failed: connection refused");
}

TEST_CASE("Result: a value or an error, never both, and reading the value of a failure stops with the error") {
  edge::Result<std::string> good("v");
  CHECK(good);
  CHECK(*good == "v");
  CHECK(good.error().empty());
  auto bad = edge::Result<std::string>::failure("no such key");
  CHECK_FALSE(bad);
  CHECK(bad.error() == "no such key");
  CHECK(bad.value_or("fallback") == "fallback");
  CHECK(edge::Status());  // a default Status is a success
  CHECK(edge::Result<int>::failure("").error() == "failed");

  // As std::expected::value() would throw, reading it aborts, naming the error (a trap on wasm).
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(pipe_fds[1], 2);
    (void)bad->size();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string said;
  char buf[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) said.append(buf, size_t(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(said.find("the value of a failed Result was read (check `if (!r)` first): no such key") != std::string::npos);
}

TEST_CASE("edge.decrypt, edge.request_bep, websocket publish: message shapes") {
  FakeHost host;
  host.responder = [](const edge::test::Sent& s) {
    if (s.method() == "edge.decrypt") return FakeHost::success("plain");
    return FakeHost::error("not supported on this node");
  };
  edge::service().get("/", [](edge::Request&, edge::Response& res) {
    edge::websocket::publish("news", "hello");
    edge::edge_api::decrypt(edge::edge_api::Cluster::Account, "cipher", "tok", [&res](edge::Result<std::string> r) {
      std::string plain = *r;
      edge::edge_api::request_bep(
          "code1", [&res, plain](edge::Result<std::string> b) { res.text(plain + "/" + (b ? "ok" : b.error())); });
    });
  });
  host.event(FakeHost::request("GET", "/"));
  auto ws = host.calls("websocket_broker.publish");
  REQUIRE(ws.size() == 1);
  CHECK(ws[0].session == 0);
  CHECK(ws[0].params() == Value::array({"news", "hello"}));
  REQUIRE(host.calls("edge.decrypt").size() == 1);
  CHECK(host.calls("edge.decrypt")[0].params() ==
        Value::map({{"type", "account"}, {"data", "cipher"}, {"token", "tok"}}));
  CHECK(host.calls("edge.request_bep")[0].params() == Value::map({{"code", "code1"}}));
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].body == "plain/not supported on this node");
}

TEST_CASE("form upload: 101 field found -> action, 102 value, 103 stored, then the end") {
  FakeHost host;
  int32_t session = 0;
  host.responder = [&](const edge::test::Sent& s) {
    session = s.session;
    return Value();
  };
  std::vector<std::string> log;
  edge::service().post("/upload", [&](edge::Request&, edge::Response& res) {
    edge::form::Handlers h;
    h.on_field = [&](const std::string& key, const std::string& filename, std::string& path) {
      log.push_back("field " + key + " " + filename);
      if (filename.empty()) return edge::form::Action::Get;
      path = "/tmp/" + filename;
      return edge::form::Action::Store;
    };
    h.on_value = [&](const std::string& k, const std::string& v) { log.push_back("value " + k + "=" + v); };
    h.on_stored = [&](const std::string& p, uint64_t n) { log.push_back("stored " + p + " " + std::to_string(n)); };
    h.on_done = [&res](edge::Status st) { res.text(st ? "uploaded" : st.error()); };
    edge::form::handle_upload(std::move(h));
  });
  host.auto_pump = false;
  host.event(FakeHost::request("POST", "/upload"));
  REQUIRE(host.calls("request.handle_form_upload").size() == 1);
  CHECK(host.calls("request.handle_form_upload")[0].params().is_nil());
  auto hdr = [](std::initializer_list<Value::Member> m) { return Value::map(m); };
  CHECK(host.reply_now(session,
                       FakeHost::success(
                           "", 101, hdr({{"key", "title"}, {"filename", ""}, {"path_ref", "0"}, {"path_len", "0"}}))) ==
        101);
  CHECK(host.reply_now(session, FakeHost::success("", 102, hdr({{"key", "title"}, {"value", "Hi"}}))) == 0);
  CHECK(host.reply_now(
            session,
            FakeHost::success(
                "", 101, hdr({{"key", "file"}, {"filename", "a.txt"}, {"path_ref", "77"}, {"path_len", "256"}}))) ==
        102);
  CHECK(host.written[77] == std::string("/tmp/a.txt", 11));  // with its NUL
  CHECK(host.reply_now(session, FakeHost::success("", 103, hdr({{"path", "/tmp/a.txt"}, {"file_size", "12"}}))) == 0);
  CHECK(host.responses().empty());
  host.reply_now(session, FakeHost::success("", 200));
  CHECK(log == std::vector<std::string>{"field title ", "value title=Hi", "field file a.txt", "stored /tmp/a.txt 12"});
  REQUIRE(host.responses().size() == 1);
  CHECK(host.responses()[0].body == "uploaded");
}

TEST_CASE("replies for unknown sessions are ignored") {
  FakeHost host;
  CHECK(host.reply_now(12345, FakeHost::success("x")) == 0);
  CHECK(host.responses().empty());
}

TEST_CASE("the response may be sent after the handler from a callback, and file responses map to filePath") {
  FakeHost host;
  edge::service().get("/file",
                      [](edge::Request&, edge::Response& res) { res.send_file("/logs/app.log", "text/plain"); });
  host.event(FakeHost::request("GET", "/file"));
  auto r = host.responses();
  REQUIRE(r.size() == 1);
  CHECK(r[0].options["filePath"].as_string() == "/logs/app.log");
  CHECK(r[0].options["fileMimeType"].as_string() == "text/plain");
  CHECK(r[0].options["statusCode"].as_int() == 200);
}
