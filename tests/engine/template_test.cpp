// The SDK's templates (templates/*/src) built for wasm32-wasi and run on the interpreter.
#include <doctest/doctest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "edge/node/interp_engine.hpp"
#include "edge/node/sqlite_store.hpp"
#include "test_support.hpp"

using namespace edge::node;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<LoadedModule> load_template(const std::string& name) {
  static auto engine = make_interp_engine();
  fs::path p = fs::path(EDGE_TEST_WASM_DIR) / ("template_" + name + ".wasm");
  REQUIRE_MESSAGE(fs::exists(p), "template module missing: " << p);
  std::string s = edge::test::read_file(p);
  auto m = engine->load(std::vector<uint8_t>(s.begin(), s.end()), name);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().to_string()));
  return *m;
}

struct Service {
  edge::test::TempDir dir;
  std::unique_ptr<SqliteKeyValueStore> store;
  ServiceContext svc;
  std::shared_ptr<LoadedModule> module;

  explicit Service(const std::string& name) : module(load_template(name)) {
    auto s = open_sqlite_store(dir / "storage.sqlite");
    REQUIRE(s.ok());
    store = std::move(*s);
    svc.name = name + "-v1";
    svc.env = {{"MCM.BASE_API_PATH", "/c/" + name + "/v1"}};
    svc.storage = store.get();
  }

  HttpResponse call(const std::string& method, const std::string& url, const std::string& body = {}) {
    HttpRequest req{method, url, {{"content-type", "application/json"}}, body};
    Outcome out = module->handle(svc, req);
    REQUIRE_MESSAGE(out.response(), out.failure()->message);
    return *out.response();
  }
};

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("template hello: greeting, query and env") {
  Service s("hello");
  auto r = s.call("GET", "/?name=Ann");
  CHECK(r.status == 200);
  CHECK(header(r, "content-type").find("application/json") != std::string::npos);
  json body = json::parse(r.body);
  CHECK(body["message"] == "Hello, Ann!");
  s.svc.env["GREETING"] = "Hi";
  CHECK(json::parse(s.call("GET", "/?name=Bo").body)["message"] == "Hi, Bo!");
  CHECK(s.call("GET", "/nowhere").status == 404);
}

TEST_CASE("template rest-kv: CRUD over storage, list through each_item") {
  Service s("rest-kv");
  auto put = s.call("PUT", "/items/a", R"({"x":1})");
  CHECK(put.status == 200);
  CHECK(json::parse(put.body)["value"]["x"] == 1);
  CHECK(s.call("PUT", "/items/b", R"([true])").status == 200);
  CHECK(json::parse(s.call("GET", "/items/a").body) == json::parse(R"({"x":1})"));
  json list = json::parse(s.call("GET", "/items").body);
  CHECK(list["count"] == 2);
  CHECK(list["items"][0]["id"] == "a");
  CHECK(s.call("DELETE", "/items/a").status == 204);
  CHECK(s.call("GET", "/items/a").status == 404);
  CHECK(s.call("DELETE", "/items/a").status == 404);
  CHECK(s.call("PUT", "/items/c", "not json").status == 400);
}

TEST_CASE("template file-reader: lists and tails files of a preopened directory") {
  Service s("file-reader");
  fs::create_directories(s.dir / "logs");
  edge::test::write_file(s.dir / "logs" / "app.log", "one\ntwo\nthree\n");
  edge::test::write_file(s.dir / "logs" / "b.log", "x\n");
  s.svc.preopens = {{s.dir / "logs", "/logs"}};
  json files = json::parse(s.call("GET", "/files").body);
  CHECK(files["files"] == json::array({"app.log", "b.log"}));
  auto tail = s.call("GET", "/lines?file=app.log&tail=2");
  CHECK(tail.status == 200);
  CHECK(json::parse(tail.body)["lines"] == json::array({"two", "three"}));
  CHECK(s.call("GET", "/lines?file=../storage.sqlite").status == 400);
  CHECK(s.call("GET", "/lines?file=missing.log").status == 404);
}

TEST_CASE("template proxy: fetches through the host") {
  httplib::Server upstream;
  upstream.Get("/up", [](const httplib::Request&, httplib::Response& res) {
    res.status = 203;
    res.set_content("upstream says hi", "text/plain");
  });
  int port = upstream.bind_to_any_port("127.0.0.1");
  std::thread t([&] { upstream.listen_after_bind(); });
  while (!upstream.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Service s("proxy");
  // Without PROXY_ALLOW the proxy calls nothing, and says what to set.
  auto closed = s.call("GET", "/fetch?url=http://127.0.0.1:" + std::to_string(port) + "/up");
  CHECK(closed.status == 403);
  CHECK(closed.body.find("PROXY_ALLOW is empty") != std::string::npos);
  s.svc.env["PROXY_ALLOW"] = "http://127.0.0.1:";
  auto r = s.call("GET", "/fetch?url=http://127.0.0.1:" + std::to_string(port) + "/up");
  CHECK(r.status == 203);
  CHECK(r.body == "upstream says hi");
  CHECK(s.call("GET", "/fetch").status == 400);
  upstream.stop();
  t.join();
}
