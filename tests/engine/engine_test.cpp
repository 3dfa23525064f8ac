// The interpreter engine with the shared host layer, driven like the server drives it.
#include <doctest/doctest.h>
#include <httplib.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "edge/node/host.hpp"
#include "edge/node/interp_engine.hpp"
#include "edge/node/request_driver.hpp"
#include "edge/node/sqlite_store.hpp"
#include "test_support.hpp"

using namespace edge::node;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Collects what a service writes to its log.
class CollectingLog : public ServiceLog {
 public:
  void write(Stream, std::string_view t, std::string_view) override {
    std::lock_guard l(m_);
    text_ += t;
  }
  std::string text() {
    std::lock_guard l(m_);
    return text_;
  }

 private:
  std::mutex m_;
  std::string text_;
};

std::vector<uint8_t> wasm_bytes(const std::string& name) {
  std::string s = edge::test::read_file(fs::path(EDGE_TEST_WASM_DIR) / (name + ".wasm"));
  return std::vector<uint8_t>(s.begin(), s.end());
}

std::shared_ptr<LoadedModule> load(const std::string& name) {
  static auto engine = make_interp_engine();
  auto bytes = wasm_bytes(name);
  REQUIRE_MESSAGE(!bytes.empty(), "missing test module " << name);
  auto m = engine->load(bytes, name);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().to_string()));
  return *m;
}

struct Fixture {
  edge::test::TempDir dir;
  std::unique_ptr<SqliteKeyValueStore> store;
  CollectingLog log;
  ServiceContext svc;

  Fixture() {
    auto s = open_sqlite_store(dir / "storage.sqlite");
    REQUIRE(s.ok());
    store = std::move(*s);
    svc.name = "probe-v1";
    svc.env = {{"MCM.BASE_API_PATH", "/test-client/probe/v1"}, {"GREETING", "hello env"}};
    svc.info = {{"httpPort", "8083"}, {"nodeId", "node-1"}, {"clientId", "test-client"}};
    svc.storage = store.get();
    svc.log = &log;
  }
};

HttpRequest get(const std::string& url) { return HttpRequest{"GET", url, {{"accept", "*/*"}}, ""}; }

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

const HttpResponse& response(const Outcome& o) {
  REQUIRE_MESSAGE(o.response(), o.failure()->message);
  return *o.response();
}

ExecFailure::Kind failure_kind(const Outcome& o) {
  REQUIRE_MESSAGE(o.failure(), "got a response: " << o.response()->body);
  return o.failure()->kind;
}

}  // namespace

TEST_CASE("a hand-written WAT module answers through response.send") {
  Fixture f;
  auto m = load("abi_minimal");
  CHECK(m->engine_name() == "interp");
  auto out = m->handle(f.svc, get("/anything"));
  CHECK(response(out).status == 202);
  CHECK(response(out).body == "from wat");
}

TEST_CASE("garbage messages are ignored, a bad host buffer traps after the response") {
  Fixture f;
  auto out = load("hostile")->handle(f.svc, get("/"));
  CHECK(response(out).status == 202);  // sent before the trap: it stands
  std::string log = f.log.text();
  CHECK(log.find("not a MessagePack object") != std::string::npos);
  CHECK(log.find("unknown host buffer 424242") != std::string::npos);
}

TEST_CASE("invalid bytes and unknown imports are clear errors") {
  auto engine = make_interp_engine();
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 9, 9};
  auto bad = engine->load(junk, "junk");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("invalid WebAssembly module") != std::string::npos);

  Fixture f;
  auto m = load("bad_import");
  auto out = m->handle(f.svc, get("/"));
  CHECK(failure_kind(out) == ExecFailure::Kind::BadModule);
  CHECK(out.failure()->message.find("env.launch_missiles") != std::string::npos);
}

TEST_CASE("response with status, headers and the guest's stdout in the log") {
  Fixture f;
  auto out = load("engine_probe")->handle(f.svc, get("/hello"));
  const auto& r = response(out);
  CHECK(r.status == 201);
  CHECK(r.body == R"({"hello":"world"})");
  CHECK(header(r, "content-type") == "application/json");
  CHECK(header(r, "x-probe") == "yes");
  CHECK(f.log.text().find("hello from the guest") != std::string::npos);
}

TEST_CASE("the event carries every key the ABI defines") {
  Fixture f;
  HttpRequest req{"POST", "/event?x=1", {{"content-type", "text/plain"}, {"x-a", "b"}}, "the body"};
  json ev = json::parse(response(load("engine_probe")->handle(f.svc, req)).body);
  CHECK(ev["jsonrpc"] == "2.0");
  CHECK(ev["id"].is_number_integer());
  CHECK(ev["method"] == "http_event");
  const json& p = ev["params"];
  CHECK(p["request"]["url"] == "/event?x=1");
  CHECK(p["request"]["method"] == "POST");
  CHECK(p["request"]["headers"]["x-a"] == "b");
  CHECK(p["request"]["jsonBody"] == "the body");
  CHECK(p["context"]["env"]["GREETING"] == "hello env");
  CHECK(p["context"]["info"]["serviceType"] == "wasm");
  CHECK(p["context"]["info"]["apiRoot"] == "/test-client/probe/v1");
  CHECK(p["context"]["info"]["httpPort"] == "8083");
  CHECK(p["context"]["info"]["nodeId"] == "node-1");
  CHECK(p["context"]["info"]["clientId"] == "test-client");

  // Nothing to say: still every key, empty.
  ServiceContext bare;
  json empty = json::from_msgpack(build_event(bare, HttpRequest{}));
  CHECK(empty["params"]["request"]["headers"].is_object());
  CHECK(empty["params"]["request"]["jsonBody"] == "");
  CHECK(empty["params"]["context"]["env"].is_object());
  CHECK(empty["params"]["context"]["info"]["apiRoot"] == "");
}

// The event as it was made before it was written directly (event.cpp): a JSON document turned
// into MessagePack by nlohmann::json, which is what mimik's SDK decodes with. Same bytes or bust.
std::string event_through_json(const ServiceContext& service, const HttpRequest& request) {
  std::map<std::string, std::string> info = service.info;
  auto env = service.env.find("MCM.BASE_API_PATH");
  info.try_emplace("serviceType", "wasm");
  info.try_emplace("apiRoot", env != service.env.end() ? env->second : "");
  info.try_emplace("httpPort", "");
  info.try_emplace("nodeId", "");
  info.try_emplace("clientId", "");
  json event = {{"jsonrpc", "2.0"},
                {"id", 0},
                {"method", "http_event"},
                {"params",
                 {{"context", {{"info", info}, {"env", service.env}}},
                  {"request",
                   {{"url", request.url.empty() ? std::string("/") : request.url},
                    {"method", request.method.empty() ? std::string("GET") : request.method},
                    {"headers", request.headers},
                    {"jsonBody", request.body}}}}}};
  auto bytes = json::to_msgpack(event);
  return std::string(bytes.begin(), bytes.end());
}

TEST_CASE("the event is written byte for byte as nlohmann::json writes the same document") {
  ServiceContext bare;
  CHECK(build_event(bare, HttpRequest{}) == event_through_json(bare, HttpRequest{}));

  ServiceContext svc;
  svc.env = {{"MCM.BASE_API_PATH", "/c/s/v1"}, {"A", std::string(40, 'a')}, {"Z", std::string(300, 'z')}};
  // Keys before, between and after the five defaults, and two of the defaults given.
  svc.info = {{"aaa", "1"}, {"apiRoot", "/mine"}, {"m", "2"}, {"nodeId", "n-1"}, {"zzz", "3"}};
  HttpRequest req{"POST", "/items/1?x=2", {}, std::string(70000, 'b')};
  for (int i = 0; i < 20; ++i) req.headers["x-h" + std::to_string(i)] = std::string(size_t(i) * 20, 'v');  // map16
  CHECK(build_event(svc, req) == event_through_json(svc, req));

  svc.info.clear();
  req.body = "é ÿ not UTF-8";  // bytes pass through as they are
  CHECK(build_event(svc, req) == event_through_json(svc, req));
}

// response.send is read in place when it has the usual shape and as a JSON document otherwise
// (api_methods.cpp): both must give the response a JSON reading of the message gives.
TEST_CASE("response.send: every shape of message gives the response its JSON reading gives") {
  auto send = [](const json& params) {
    HostContext ctx(HostContext::Setup{});
    const auto bytes = json::to_msgpack(json{{"jsonrpc", "2.0"}, {"method", "response.send"}, {"params", params}});
    handle_api_request(ctx, 0, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    REQUIRE(ctx.response());
    return *ctx.response();
  };
  using Headers = std::vector<std::pair<std::string, std::string>>;
  SUBCASE("as the SDK sends it (in place)") {
    auto r =
        send(json::array({"hi", {{"statusCode", 201}, {"headers", {{"X-B", "2"}, {"content-type", "text/plain"}}}}}));
    CHECK(r.status == 201);
    CHECK(r.body == "hi");
    // Lower-cased, in the order of the names as written ("X-B" < "content-type"), as a JSON object has them.
    CHECK(r.headers == Headers{{"x-b", "2"}, {"content-type", "text/plain"}});
  }
  SUBCASE("a body alone, no options") { CHECK(send(json::array({"just this"})).body == "just this"); }
  SUBCASE("a status out of range is a 500, a status that is no integer is ignored") {
    CHECK(send(json::array({"", {{"statusCode", 99}}})).status == 500);
    CHECK(send(json::array({"", {{"statusCode", -1}}})).status == 500);
    CHECK(send(json::array({"", {{"statusCode", 404.0}}})).status == 200);
  }
  SUBCASE("a JSON body and non-string header values become JSON text (through the JSON path)") {
    auto r = send(json::array({{{"a", 1}}, {{"headers", {{"x-n", 5}}}}}));
    CHECK(r.body == R"({"a":1})");
    CHECK(r.headers == Headers{{"x-n", "5"}});
  }
  SUBCASE("unknown option keys and a nil filePath are ignored") {
    auto r = send(json::array({"b", {{"future", {1, 2}}, {"filePath", nullptr}, {"statusCode", 202}}}));
    CHECK(r.status == 202);
    CHECK(r.body == "b");
  }
  // What a hostile or odd guest may send: each case is what the JSON reading answers.
  auto raw_send = [](std::string bytes) {
    auto ctx = std::make_unique<HostContext>(HostContext::Setup{});
    handle_api_request(*ctx, 0, bytes);
    return ctx;
  };
  using namespace std::string_literals;  // ""s: the envelope holds a NUL (id 0)
  const std::string envelope =
      "\x84\xa7jsonrpc\xa3"
      "2.0\xa2id\x00\xa6method\xadresponse.send\xa6params"s;
  SUBCASE("a key given twice: the last counts, as in a JSON object") {
    // ["", {"headers": {"a": "1"}, "headers": {}}] (nlohmann cannot write duplicates: bytes by hand)
    auto ctx = raw_send(envelope +
                        "\x92\xa0\x82\xa7headers\x81\xa1"
                        "a\xa1"
                        "1\xa7headers\x80");
    REQUIRE(ctx->response());
    CHECK(ctx->response()->headers.empty());
    // ["", {"statusCode": 201, "statusCode": 202}]
    ctx = raw_send(envelope + "\x92\xa0\x82\xaastatusCode\xcc\xc9\xaastatusCode\xcc\xca");
    REQUIRE(ctx->response());
    CHECK(ctx->response()->status == 202);
  }
  SUBCASE("a map key that is not a string anywhere makes the message unreadable, as for the JSON reading") {
    // ["", {"x": {1: 2}}]
    auto ctx = raw_send(envelope + "\x92\xa0\x81\xa1x\x81\x01\x02");
    CHECK_FALSE(ctx->response());
  }
  SUBCASE("200,000 headers of one name cost a sort, not a square: the last one is kept") {
    std::string bytes = envelope + "\x92\xa0\x81\xa7headers\xdf";
    const uint32_t n = 200000;
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(char((n >> shift) & 0xff));
    for (uint32_t i = 0; i < n; ++i) bytes += i + 1 == n ? "\xa1h\xa4last" : "\xa1h\xa1v";
    auto ctx = raw_send(bytes);
    REQUIRE(ctx->response());
    CHECK(ctx->response()->headers == Headers{{"h", "last"}});
  }
  SUBCASE("a million nested arrays are refused without taking the node's stack") {
    std::string bytes = envelope + std::string(1000000, '\x91') + "\xc0";
    auto ctx = raw_send(bytes);
    CHECK_FALSE(ctx->response());
  }
  SUBCASE("a filePath outside every preopen is a 404 naming it") {
    auto r = send(json::array({"", {{"filePath", "/etc/passwd"}}}));
    CHECK(r.status == 404);
    CHECK(r.body.find("/etc/passwd") != std::string::npos);
  }
}

TEST_CASE("storage round trip: set, get, remove, get") {
  Fixture f;
  json body = json::parse(response(load("engine_probe")->handle(f.svc, get("/storage"))).body);
  CHECK(body["set"] == "ok");
  CHECK(body["got"] == "v1");
  CHECK(body["status_after_remove"] == 404);
  CHECK_FALSE(f.store->get("k1")->has_value());
}

TEST_CASE("storage.each_item stops when the guest says so, then ends once") {
  Fixture f;
  json body = json::parse(response(load("engine_probe")->handle(f.svc, get("/each"))).body);
  CHECK(body["seen"] == json::array({"a=va", "b=vb"}));
  CHECK(body["ends"] == 1);
}

TEST_CASE("storage calls without a store answer with an error, not a crash") {
  Fixture f;
  f.svc.storage = nullptr;
  auto out = load("engine_probe")->handle(f.svc, get("/storage"));
  // set_item fails -> the probe reports "error" and goes on; its next step reads a field the
  // error lacks, which aborts the guest (-fno-exceptions): a trap of that request, not the node's.
  if (const auto* r = out.response()) CHECK(json::parse(r->body)["set"] == "error");
  else CHECK(out.failure()->kind == ExecFailure::Kind::Trap);
}

TEST_CASE("traps fail only their request, with wabt's message") {
  Fixture f;
  auto m = load("engine_probe");
  struct Case {
    const char* url;
    const char* expect;
  };
  for (Case c : {Case{"/trap/unreachable", "unreachable"}, Case{"/trap/div0", "divide by zero"},
                 Case{"/trap/oob", "out of bounds"}, Case{"/trap/badptr", "out of bounds memory access in host call"},
                 Case{"/recurse", "trap"}}) {  // C recursion overruns the shadow stack in memory: some trap
    std::string url = c.url;
    CAPTURE(url);
    auto out = m->handle(f.svc, get(c.url));
    CHECK(failure_kind(out) == ExecFailure::Kind::Trap);
    CHECK_MESSAGE(out.failure()->message.find(c.expect) != std::string::npos, out.failure()->message);
    CHECK(out.failure()->http_status() == 500);
  }
  CHECK(response(m->handle(f.svc, get("/hello"))).status == 201);  // the module still serves
}

TEST_CASE("a trap after response.send: the response stands, the trap is logged") {
  Fixture f;
  auto out = load("engine_probe")->handle(f.svc, get("/send-then-trap"));
  CHECK(response(out).body == "sent first");
  CHECK(f.log.text().find("failed after its response was sent: trap: unreachable") != std::string::npos);
}

TEST_CASE("websocket publish goes to the log, guest output is bounded per request") {
  Fixture f;
  auto m = load("engine_probe");
  CHECK(response(m->handle(f.svc, get("/publish"))).body == "published");
  CHECK(f.log.text().find("websocket_broker.publish [news] hello subscribers") != std::string::npos);

  Fixture g;
  g.svc.limits.max_log_bytes_per_request = 5000;
  CHECK(response(m->handle(g.svc, get("/spam"))).body == "spammed");
  std::string text = g.log.text();
  CHECK(text.size() < 5200);
  CHECK(text.find("dropped") != std::string::npos);
  CHECK(text.find("after the spam") == std::string::npos);
}

TEST_CASE("unbounded recursion hits the interpreter's call-stack limit") {
  Fixture f;
  auto out = load("recursion")->handle(f.svc, get("/"));
  CHECK(failure_kind(out) == ExecFailure::Kind::Trap);
  CHECK_MESSAGE(out.failure()->message.find("call stack exhausted") != std::string::npos, out.failure()->message);
}

TEST_CASE("an endless loop ends at the wall-time limit") {
  Fixture f;
  f.svc.limits.wall_time = std::chrono::milliseconds(300);
  auto out = load("engine_probe")->handle(f.svc, get("/loop"));
  CHECK(failure_kind(out) == ExecFailure::Kind::Timeout);
  CHECK(out.failure()->http_status() == 504);
  CHECK(out.failure()->message.find("timeout") != std::string::npos);
}

TEST_CASE("memory growth stops at the limit") {
  Fixture f;
  f.svc.limits.max_memory_pages = 64;  // 4 MiB
  auto out = load("engine_probe")->handle(f.svc, get("/oom"));
  CHECK(failure_kind(out) == ExecFailure::Kind::OutOfMemory);
  CHECK_MESSAGE(out.failure()->message.find("out of memory") != std::string::npos, out.failure()->message);

  f.svc.limits.max_memory_pages = 1;  // below the module's initial memory: refused at instantiation
  auto refused = load("engine_probe")->handle(f.svc, get("/hello"));
  CHECK(failure_kind(refused) == ExecFailure::Kind::BadModule);
  CHECK(refused.failure()->message.find("memory pages") != std::string::npos);
}

TEST_CASE("no response, host-call flood and proc_exit are clear failures") {
  Fixture f;
  auto m = load("engine_probe");
  auto none = m->handle(f.svc, get("/noresponse"));
  CHECK(failure_kind(none) == ExecFailure::Kind::NoResponse);

  f.svc.limits.max_host_calls = 1000;
  // The limit, not the deadline: a thousand calls on the interpreter under qemu-user
  // (scripts/cross.sh) on a loaded machine can take longer than the default 10 s.
  f.svc.limits.wall_time = std::chrono::seconds(120);
  auto flood = m->handle(f.svc, get("/flood"));
  CHECK(failure_kind(flood) == ExecFailure::Kind::HostCallLimit);

  auto exited = m->handle(f.svc, get("/exit"));
  CHECK(failure_kind(exited) == ExecFailure::Kind::Trap);
  CHECK(exited.failure()->message.find("proc_exit(3)") != std::string::npos);
}

TEST_CASE("WASI: environ is the container env, a request's directory calls act beneath its preopen") {
  Fixture f;
  auto m = load("engine_probe");
  CHECK(response(m->handle(f.svc, get("/env"))).body == "hello env");
  fs::create_directories(f.dir / "pre");
  f.svc.preopens = {{f.dir / "pre", "/data"}};
  json r = json::parse(response(m->handle(f.svc, get("/nosys"))).body);
  CHECK(r["path_create_directory"] == 0);  // every preview1 call is there now (tests/wasi covers each)
  CHECK(r["sched_yield"] == 0);
  CHECK(fs::is_directory(f.dir / "pre" / "newdir"));
}

TEST_CASE("WASI: preopened directories are readable and nothing escapes them") {
  Fixture f;
  fs::path root = f.dir / "root";
  fs::create_directories(root / "sub");
  edge::test::write_file(root / "inside.txt", "inside");
  edge::test::write_file(root / "sub" / "deep.txt", "deep");
  edge::test::write_file(f.dir / "secret.txt", "secret");
  fs::create_symlink("../secret.txt", root / "link-out");
  fs::create_symlink("/etc/passwd", root / "link-abs");
  fs::create_symlink("inside.txt", root / "link-in");
  fs::create_directory_symlink(f.dir.path(), root / "sub" / "dir-out");
  f.svc.preopens = {{root, "/data"}};
  auto m = load("engine_probe");

  CHECK(response(m->handle(f.svc, get("/read?path=/data/inside.txt"))).body == "inside");
  CHECK(response(m->handle(f.svc, get("/read?path=/data/sub/deep.txt"))).body == "deep");
  if (edge::test::have_openat2()) CHECK(response(m->handle(f.svc, get("/read?path=/data/link-in"))).body == "inside");
  else  // the component walk (below) refuses every symlink, even one that stays inside
    CHECK(response(m->handle(f.svc, get("/read?path=/data/link-in"))).status == 403);
  CHECK(response(m->handle(f.svc, get("/read?path=/data/sub/../inside.txt"))).body == "inside");
  json ls = json::parse(response(m->handle(f.svc, get("/ls?path=/data"))).body);
  CHECK(ls["names"] == json::array({".", "..", "inside.txt", "link-abs", "link-in", "link-out", "sub"}));
  CHECK(ls["inside_size"] == 6);

  auto refuse_escapes = [&] {
    for (std::string url : {"/read?path=/data/../secret.txt", "/read?path=/data/link-out", "/read?path=/data/link-abs",
                            "/read?path=/data/sub/dir-out/secret.txt", "/read?path=/etc/passwd",
                            "/openat?path=../secret.txt", "/openat?path=/etc/passwd", "/openat?path=link-out",
                            "/openat?path=sub/../../secret.txt", "/openat?path=sub/dir-out/secret.txt"}) {
      CAPTURE(url);
      Outcome out = m->handle(f.svc, get(url));
      const auto& r = response(out);
      CHECK_MESSAGE(r.status == 403, r.body);
      CHECK(r.body.find("secret") == std::string::npos);
      CHECK(r.body.find("root:") == std::string::npos);
    }
  };
  refuse_escapes();
  CHECK(json::parse(response(m->handle(f.svc, get("/openat?path=../secret.txt"))).body)["errno"] == 76);

  // The same without openat2 (kernels before 5.6): the component walk refuses every symlink.
  setenv("EDGE_SANDBOX_NO_OPENAT2", "1", 1);
  refuse_escapes();
  CHECK(response(m->handle(f.svc, get("/read?path=/data/sub/deep.txt"))).body == "deep");
  unsetenv("EDGE_SANDBOX_NO_OPENAT2");
}

TEST_CASE("edge.* answers 'not supported on this node'") {
  Fixture f;
  json r = json::parse(response(load("engine_probe")->handle(f.svc, get("/decrypt"))).body);
  CHECK(r["method"] == "oncallback.error");
  CHECK(r["params"]["error"]["message"] == "edge.decrypt is not supported on this node");
}

TEST_CASE("httpclient.fetch makes a real request (loopback)") {
  httplib::Server server;
  server.Get("/data", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-From", "server");
    res.set_content("fetched!", "text/plain");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Fixture f;
  auto m = load("engine_probe");
  json r = json::parse(
      response(m->handle(f.svc, get("/fetch?url=http://127.0.0.1:" + std::to_string(port) + "/data"))).body);
  CHECK(r["method"] == "oncallback.success");
  CHECK(r["params"]["data"]["status"] == 200);
  CHECK(r["params"]["data"]["data"] == "fetched!");
  CHECK(r["params"]["data"]["headers"]["x-from"] == "server");

  json refused = json::parse(
      response(m->handle(f.svc, get("/fetch?url=http://127.0.0.1:" + std::to_string(edge::test::free_port()) + "/")))
          .body);
  CHECK(refused["method"] == "oncallback.error");
  server.stop();
  t.join();
}

TEST_CASE("form upload: found, get, store, skip, end") {
  Fixture f;
  fs::create_directories(f.dir / "uploads");
  f.svc.preopens = {{f.dir / "uploads", "/up"}};
  std::string b = "XyZbOuNdArY";
  std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmy title\r\n" + "--" + b +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: "
                     "text/plain\r\n\r\nfile\r\ncontent\r\n" +
                     "--" + b + "\r\nContent-Disposition: form-data; name=\"skipme\"\r\n\r\nnope\r\n" + "--" + b +
                     "--\r\n";
  HttpRequest req{"POST", "/upload", {{"content-type", "multipart/form-data; boundary=" + b}}, body};
  json log = json::parse(response(load("engine_probe")->handle(f.svc, req)).body);
  CAPTURE(log.dump());
  REQUIRE(log.size() == 6);
  CHECK(log[0]["found"] == "title");
  CHECK(log[1]["value"] == "title");
  CHECK(log[1]["is"] == "my title");
  CHECK(log[2]["found"] == "file");
  CHECK(log[3]["stored"] == "/up/f.txt");
  CHECK(log[3]["size"] == "13");
  CHECK(log[4]["found"] == "skipme");
  CHECK(log[5]["end"] == 200);
  CHECK(edge::test::read_file(f.dir / "uploads" / "f.txt") == "file\r\ncontent");
}

TEST_CASE("concurrent requests on one module from 4 threads") {
  Fixture f;
  auto m = load("engine_probe");
  std::atomic<int> ok{0}, traps{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        if (t == 3 && i % 2 == 0) {
          auto out = m->handle(f.svc, get("/trap/div0"));
          (out.failure() && out.failure()->kind == ExecFailure::Kind::Trap ? traps : wrong)++;
          continue;
        }
        std::string url = "/event?t=" + std::to_string(t) + "&i=" + std::to_string(i);
        auto out = m->handle(f.svc, get(url));
        if (out.response() && json::parse(out.response()->body)["params"]["request"]["url"] == url) ok++;
        else wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(traps == 4);
  CHECK(ok == 28);
}

TEST_CASE("a module built like mimik's C++ SDK v2.0.0 runs (command model, strict decoding)") {
  Fixture f;
  auto m = load("engine_mimik_compat");
  auto time = m->handle(f.svc, get("/time"));
  CHECK(response(time).status == 200);
  CHECK(json::parse(response(time).body).contains("current_time"));

  HttpRequest req{"POST", "/echo?q=1", {{"x-h", "v"}}, "{\"a\":1}"};
  auto echo = m->handle(f.svc, req);
  CHECK(response(echo).status == 202);
  json e = json::parse(response(echo).body);
  CHECK(e["url"] == "/echo?q=1");
  CHECK(e["headers"]["x-h"] == "v");
  CHECK(e["body"] == "{\"a\":1}");
  CHECK(e["info"]["serviceType"] == "wasm");

  CHECK(response(m->handle(f.svc, get("/storage"))).body == "hi from mimik's wire format");
  // Walk the items, then respond: the node delivers storage replies before mk_module_api_request
  // returns, as mimik's SDK expects (no end-of-walk callback there).
  CHECK(response(m->handle(f.svc, get("/walk"))).body == R"(["a=value-a","b=value-b","c=value-c"])");
  auto dec = m->handle(f.svc, get("/decrypt"));
  CHECK(response(dec).status == 501);
  CHECK(response(dec).body == "edge.decrypt is not supported on this node");
  CHECK(response(m->handle(f.svc, get("/nope"))).status == 404);
}

TEST_CASE("run_command: args, env, preopens and the exit code") {
  edge::test::TempDir dir;
  fs::create_directories(dir / "d");
  edge::test::write_file(dir / "d" / "inside.txt", "from a preopen");
  auto m = load("engine_command");
  CommandInvocation inv;
  inv.args = {"command.wasm", "one"};
  inv.env = {{"GREETING", "hi"}};
  inv.preopens = {{dir / "d", "/data"}};
  // stdout passes through: catch it in a file for the duration of the run.
  fs::path out_file = dir / "stdout.txt";
  std::fflush(stdout);
  int saved = dup(1);
  int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 1);
  auto code = m->run_command(inv);
  std::fflush(stdout);
  dup2(saved, 1);
  ::close(saved);
  ::close(fd);
  REQUIRE(code.ok());
  CHECK(*code == 7);
  std::string printed = edge::test::read_file(out_file);
  CHECK(printed.find("arg1=one") != std::string::npos);
  CHECK(printed.find("GREETING=hi") != std::string::npos);
  CHECK(printed.find("file=from a preopen") != std::string::npos);

  auto reactor = load("engine_probe");
  CHECK_FALSE(reactor->run_command(inv).ok());  // no _start
}
