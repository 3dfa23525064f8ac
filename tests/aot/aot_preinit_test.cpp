// Pre-initialisation (runtime-stub/aot/src/preinit.hpp): a reactor's _initialize runs once at
// load and compiled instances start from what it left. Proven against the interpreter, which
// always runs _initialize per instance: the same answers, no request seeing another's changes,
// and the modules that must not be snapshotted (initialisation that calls the host, or traps)
// initialised per instance, with the reason in the log.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>
#include <nlohmann/json.hpp>

#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "aot_support.hpp"
#include "test_support.hpp"

using namespace edge::node;
namespace fs = std::filesystem;
using namespace edge::node::aot_test;
using json = nlohmann::json;

namespace {

ServiceContext service() {
  ServiceContext s;
  s.name = "preinit-v1";
  s.env = {{"MCM.BASE_API_PATH", "/test-client/preinit/v1"}};
  s.limits.wall_time = std::chrono::milliseconds(5000);
  return s;
}

json answer(LoadedModule& m) {
  HttpRequest r;
  r.method = "GET";
  r.url = "/";
  Outcome o = m.handle(service(), r);
  REQUIRE_MESSAGE(o.response(), (o.failure() ? o.failure()->message : std::string()));
  return json::parse(o.response()->body);
}

bool built(const char* path) {
  if (fs::exists(path)) return true;
  edge::test::skip_test("clang++-19 is missing, so the pre-initialisation guests were not built");
  return false;
}

}  // namespace

TEST_CASE("a module whose constructors only compute starts pre-initialised and answers as if it ran them") {
  if (!built(AOT_PREINIT_WASM)) return;
  Engines e;
  auto wasm = read_bytes(AOT_PREINIT_WASM);
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("instances start pre-initialised"));
  const json expected = answer(*in);
  CHECK(expected["constructed"] == 1);
  CHECK(expected["requests"] == 1);
  CHECK(expected["greeting"] == "built 28668 at start");
  CHECK(expected["clock_set"] == false);
  for (int i = 0; i < 50; ++i) {
    CAPTURE(i);
    // The constructors' work is there, ran once as far as the instance can tell, and every request
    // is the instance's first: nothing one request changed (g_table[7], the counter) is seen by the next.
    CHECK(answer(*out) == expected);
  }
  CHECK(answer(*in) == expected);
}

TEST_CASE("globals of every type that _initialize set are restored, and no request sees another's") {
  Engines e;
  auto wasm = wat_module("preinit_globals");
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("instances start pre-initialised"));
  CHECK(e.log.contains("4 globals restored"));
  HttpRequest r;
  r.method = "GET";
  r.url = "/";
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    for (LoadedModule* m : {in.get(), out.get()}) {
      Outcome o = m->handle(service(), r);
      REQUIRE(o.response());
      CHECK(o.response()->body == "1111");  // i32, i64 beyond 32 bits, f32, f64 + memory
    }
  }
}

TEST_CASE("concurrent requests on one snapshot all see it whole") {
  if (!built(AOT_PREINIT_WASM)) return;
  Engines e;
  auto out = load(*e.aot, read_bytes(AOT_PREINIT_WASM));
  const json expected = answer(*out);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        HttpRequest r;
        r.method = "GET";
        r.url = "/";
        Outcome o = out->handle(service(), r);
        if (!o.response() || json::parse(o.response()->body) != expected) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}

TEST_CASE("a module whose constructor reads the clock is initialised per instance, and says why") {
  if (!built(AOT_PREINIT_CLOCK_WASM)) return;
  Engines e;
  auto wasm = read_bytes(AOT_PREINIT_CLOCK_WASM);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("initialised per instance: its initialisation calls the host (clock_time_get)"));
  const json first = answer(*out);
  CHECK(first["clock_set"] == true);  // the constructor ran in the instance, with the host's answer
  CHECK(first["constructed"] == 1);
  CHECK(answer(*out)["requests"] == 1);
}

TEST_CASE("a module whose _initialize traps is not snapshotted: each instance traps as before") {
  Engines e;
  auto wasm = read_bytes(fs::path(EDGE_TEST_WASM_DIR) / "node_start_trap.wasm");
  REQUIRE_FALSE(wasm.empty());
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("initialised per instance: its initialisation traps"));
  auto failure = out->check_start(service());
  REQUIRE(failure);
  CHECK(failure->message.find("unreachable") != std::string::npos);
}
