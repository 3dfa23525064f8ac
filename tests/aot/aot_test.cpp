// The compiled tier (wasm2c + cc) must answer exactly like the interpreter: same responses, same
// failure kinds on traps, stack exhaustion, memory limits and endless loops, also under several
// threads at once. Real compiler, real shared objects, real modules (no mocks).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "edge/core/build_marker.hpp"
#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "aot_support.hpp"
#include "test_support.hpp"

using namespace edge::node;
namespace fs = std::filesystem;
using edge::test::TempDir;
using namespace edge::node::aot_test;

namespace {

bool have_probe() { return fs::exists(AOT_PROBE_WASM); }

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  return r;
}

ServiceContext service(std::chrono::milliseconds wall = std::chrono::milliseconds(5000)) {
  ServiceContext s;
  s.name = "probe-v1";
  s.env = {{"MCM.BASE_API_PATH", "/test-client/probe/v1"}};
  s.limits.wall_time = wall;
  return s;
}

// "200 <body>" or "<failure kind>".
std::string outcome(LoadedModule& m, const std::string& url, const ServiceContext& s = service()) {
  Outcome o = m.handle(s, get(url));
  if (o.response()) return std::to_string(o.response()->status) + " " + o.response()->body;
  REQUIRE(o.failure());
  return "failure " + std::to_string(int(o.failure()->kind));
}

}  // namespace

TEST_CASE("traps, exhaustion, limits and loops end the same way in both engines (WAT commands)") {
  Engines e;
  struct Case {
    const char* stem;
    const char* expected;
  } cases[] = {
      {"div0", "trap: divide by zero"},
      {"unreachable", "trap: unreachable"},
      {"oob", "trap: out of bounds"},
      {"oob_edge", "trap: out of bounds"},
      {"oob_hidden", "trap: out of bounds"},
      {"recurse", "trap: stack"},
      {"indirect", "trap: indirect"},
      {"exit", "exit 7"},
      {"grow", "exit 0"},
  };
  for (const auto& c : cases) {
    std::string stem = c.stem;
    CAPTURE(stem);
    auto wasm = wat_module(c.stem);
    REQUIRE(!wasm.empty());
    auto in = load(*e.interp, wasm);
    auto out = load(*e.aot, wasm);
    CHECK(out->engine_name() == (quick_tier_under_test() ? "quick" : "aot"));
    CHECK(command_outcome(*in) == c.expected);
    CHECK(command_outcome(*out) == c.expected);
  }
}

TEST_CASE("an endless loop in compiled code ends at the deadline and the engine keeps working") {
  Engines e;
  auto loop = load(*e.aot, wat_module("loop"));
  CHECK(command_outcome(*loop, std::chrono::milliseconds(200)) == "timeout");
  CHECK(command_outcome(*loop, std::chrono::milliseconds(200)) == "timeout");
  auto exit7 = load(*e.aot, wat_module("exit"));
  CHECK(command_outcome(*exit7) == "exit 7");
}

TEST_CASE("a module importing what the ABI does not have is refused with a clear error") {
  Engines e;
  auto m = e.aot->load(wat_module("badimport"), "bad");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("env.not_in_the_abi") != std::string::npos);
}

TEST_CASE("the compiled module is cached by content: a second engine only loads it") {
  TempDir dir;
  Log log;
  AotOptions o;
  o.cache_dir = dir / "cache";
  o.log = log.sink();
  auto wasm = wat_module("exit");
  {
    auto e = make_aot_engine(o);
    auto m = load(*e, wasm);
    CHECK(log.contains("compiled in"));
    CHECK(command_outcome(*m) == "exit 7");
  }
  auto e2 = make_aot_engine(o);
  auto m2 = load(*e2, wasm);
  CHECK(log.contains("loaded from the cache"));
  CHECK(command_outcome(*m2) == "exit 7");
  // No temporary files are left behind.
  for (auto& entry : fs::directory_iterator(dir / "cache")) CHECK(entry.path().extension() == ".so");
}

TEST_CASE("the compile cache is pruned least recently used first, and dead nodes' build folders go at start") {
  TempDir dir;
  Log log;
  AotOptions o;
  o.cache_dir = dir / "cache";
  o.log = log.sink();
  o.max_cache_bytes = 1;  // room for the newest entry only
  fs::create_directories(o.cache_dir);
  // A build folder of a node that died while compiling (pid 999999 does not exist), and one of
  // a process alive now (pid 1), which may be another node compiling into the same cache.
  fs::create_directories(o.cache_dir / ".build-0123-999999-deadbeef");
  const auto alive = o.cache_dir / ".build-0123-1-cafecafe";
  fs::create_directories(alive);
  auto e = make_aot_engine(o);
  CHECK_FALSE(fs::exists(o.cache_dir / ".build-0123-999999-deadbeef"));
  CHECK(fs::exists(alive));
  fs::remove_all(alive);

  auto so_files = [&] {
    std::vector<fs::path> out;
    for (auto& entry : fs::directory_iterator(o.cache_dir))
      if (entry.path().extension() == ".so") out.push_back(entry.path());
    return out;
  };
  auto first = load(*e, wat_module("exit"));
  REQUIRE(so_files().size() == 1);
  const auto first_so = so_files().front();
  auto second = load(*e, wat_module("loop"));
  auto left = so_files();
  REQUIRE(left.size() == 1);  // over the cap: the older entry went
  CHECK(left.front() != first_so);
  CHECK(command_outcome(*first) == "exit 7");  // a loaded module keeps running: its mapping stays
}

TEST_CASE("without a C compiler the AOT engine says so and the tiered engine stays on the quick tier") {
  TempDir dir;
  Log log;
  AotOptions o;
  o.cache_dir = dir / "cache";
  o.cc = "/nonexistent/cc";
  o.log = log.sink();
  auto checked = make_aot_engine_checked(o);
  CHECK_FALSE(checked.ok());
  auto aot = make_aot_engine(o);
  auto failed = aot->load(wat_module("exit"), "x");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("/nonexistent/cc") != std::string::npos);

  auto tiered = make_tiered_engine(make_interp_engine(), o);
  CHECK(log.contains("stay on the quick compiled tier"));
  auto m = load(*tiered, wat_module("exit"));
  CHECK(m->engine_name() == "quick");  // no C compiler needed for compiled code
  CHECK(command_outcome(*m) == "exit 7");
}

TEST_CASE("probe service: same answers from both engines, traps included") {
  if (!have_probe()) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  Engines e;
  auto wasm = read_bytes(AOT_PROBE_WASM);
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  for (const char* url :
       {"/hello", "/event?x=1", "/env", "/nosys", "/noresponse", "/exit", "/trap/unreachable", "/trap/div0",
        "/trap/oob", "/trap/badptr", "/recurse", "/storage", "/each", "/decrypt", "/nested-trap"}) {
    CAPTURE(url);
    std::string a = outcome(*in, url), b = outcome(*out, url);
    CHECK(a == b);
  }
  // The limits: an endless loop and a memory hog.
  ServiceContext s = service(std::chrono::milliseconds(300));
  CHECK(outcome(*out, "/loop", s) == outcome(*in, "/loop", s));
  CHECK(outcome(*out, "/loop", s) == "failure " + std::to_string(int(ExecFailure::Kind::Timeout)));
  // The same inside a reply delivered during a host call (nested guest call).
  CHECK(outcome(*out, "/nested-loop", s) == outcome(*in, "/nested-loop", s));
  CHECK(outcome(*out, "/nested-loop", s) == "failure " + std::to_string(int(ExecFailure::Kind::Timeout)));
  CHECK(outcome(*out, "/nested-trap") == "failure " + std::to_string(int(ExecFailure::Kind::Trap)));
  // The memory hog under the default deadline: the interpreter under qemu-user (scripts/cross.sh)
  // needs more than 300 ms to reach the limit, and this is about memory.
  ServiceContext hog = service();
  hog.limits.max_memory_pages = 64;
  CHECK(outcome(*out, "/oom", hog) == outcome(*in, "/oom", hog));
  CHECK(outcome(*out, "/hello") == outcome(*in, "/hello"));
}

TEST_CASE("probe service under concurrent requests: every answer right, traps isolated per thread") {
  if (!have_probe()) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  Engines e;
  auto wasm = read_bytes(AOT_PROBE_WASM);
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  const std::vector<std::string> urls = {"/hello",   "/trap/div0",        "/trap/oob",
                                         "/recurse", "/trap/unreachable", "/event"};
  std::map<std::string, std::string> expected;
  for (auto& u : urls) expected[u] = outcome(*in, u);
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::string& u = urls[(i + t) % urls.size()];
        Outcome o = out->handle(service(), get(u));
        std::string got = o.response() ? std::to_string(o.response()->status) + " " + o.response()->body
                                       : "failure " + std::to_string(int(o.failure() ? int(o.failure()->kind) : -1));
        if (got != expected[u]) ++wrong;
        ++done;
      }
    });
  // One more thread runs an endless loop meanwhile: its timeout must not disturb the others.
  std::thread looper([&] {
    ServiceContext s = service(std::chrono::milliseconds(300));
    if (outcome(*out, "/loop", s) != "failure " + std::to_string(int(ExecFailure::Kind::Timeout))) ++wrong;
  });
  for (auto& t : threads) t.join();
  looper.join();
  CHECK(done == 160);
  CHECK(wrong == 0);
}

// A tiered engine ("auto") with its own cache and log, and the probe module.
struct Tiered {
  TempDir dir;
  Log log;
  std::unique_ptr<Engine> engine;
  std::vector<uint8_t> wasm = read_bytes(AOT_PROBE_WASM);
  Tiered() {
    AotOptions o;
    o.cache_dir = dir / "cache";
    o.log = log.sink();
    engine = make_tiered_engine(make_interp_engine(), o);
  }
};

TEST_CASE(
    "tiered engine: the quick tier answers from the first request, the optimised one takes over without a failed "
    "request") {
  if (!have_probe()) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  Tiered t;
  auto& log = t.log;
  auto m = load(*t.engine, t.wasm);
  CHECK(m->engine_name() == "quick");
  CHECK(log.contains("quick: "));
  std::string first = outcome(*m, "/hello");
  CHECK(first.rfind("201 ", 0) == 0);  // the probe answers /hello with 201
  int failures = 0, served = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (m->engine_name() != "aot" && std::chrono::steady_clock::now() < until) {
    if (outcome(*m, "/hello") != first) ++failures;
    ++served;
  }
  CHECK(m->engine_name() == "aot");
  CHECK(log.contains("now runs compiled (aot)"));
  CHECK(failures == 0);
  CHECK(outcome(*m, "/hello") == first);
  MESSAGE("requests served by the quick tier during the optimising compile: " << served);
}

TEST_CASE("tiered engine: a module already in the compile cache runs compiled from its first request") {
  if (!have_probe()) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  TempDir dir;
  AotOptions o;
  o.cache_dir = dir / "cache";
  std::string expected;
  {  // the first node: the quick tier, then the optimising compile (which fills the cache)
    Log log;
    o.log = log.sink();
    auto engine = make_tiered_engine(make_interp_engine(), o);
    auto m = load(*engine, read_bytes(AOT_PROBE_WASM));
    CHECK(m->engine_name() == "quick");
    expected = outcome(*m, "/hello");
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    while (m->engine_name() != "aot" && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(m->engine_name() == "aot");
  }
  Log log;  // the node restarted on the same data dir
  o.log = log.sink();
  auto engine = make_tiered_engine(make_interp_engine(), o);
  auto m = load(*engine, read_bytes(AOT_PROBE_WASM));
  CHECK(m->engine_name() == "aot");
  CHECK(outcome(*m, "/hello") == expected);
  CHECK(log.contains("runs compiled from its first request"));
  CHECK_FALSE(log.contains("now runs compiled"));  // no interpreter in between
}

TEST_CASE("tiered engine: a debug build (marked by edge build --debug) stays on the interpreter") {
  if (!have_probe()) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  Tiered t;
  auto& wasm = t.wasm;
  edge::append_debug_marker(wasm);  // as `edge build --debug` does
  auto m = load(*t.engine, wasm);
  CHECK(outcome(*m, "/hello").rfind("201 ", 0) == 0);
  CHECK(t.log.contains("is a debug build"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(m->engine_name() == "interp");
  CHECK((!fs::exists(t.dir / "cache") || fs::is_empty(t.dir / "cache")));
}

TEST_CASE("every template answers the same from both engines") {
  if (!fs::exists(edge::test::edge_bin())) {
    edge::test::skip_test("the edge CLI is not built in this build dir (target edge)");
    return;
  }
  Engines e;
  // Times and counters differ between two runs; everything else must be identical.
  auto masked = [](std::string s) {
    for (char& c : s)
      if (c >= '0' && c <= '9') c = '#';
    return s;
  };
  auto describe = [&](const Outcome& o) {
    if (!o.response()) return "failure " + std::to_string(int(o.failure() ? int(o.failure()->kind) : -1));
    std::string h;
    for (auto& [k, v] : o.response()->headers) h += k + "=" + v + ";";
    return std::to_string(o.response()->status) + " " + h + " " + masked(o.response()->body);
  };
  int built = 0;
  for (auto& t : fs::directory_iterator(edge::test::source_dir() / "templates")) {
    if (!t.is_directory()) continue;
    std::string name = t.path().filename().string();
    CAPTURE(name);
    std::string why;
    fs::path wasm_path = edge::test::build_template(name, "svc", e.dir.path() / name, &why);
    REQUIRE_MESSAGE(!wasm_path.empty(), why);
    ++built;
    auto wasm = read_bytes(wasm_path);
    auto in = load(*e.interp, wasm);
    auto out = load(*e.aot, wasm);
    for (const char* url : {"/", "/?name=Ann", "/does-not-exist"}) {
      CAPTURE(url);
      CHECK(describe(out->handle(service(), get(url))) == describe(in->handle(service(), get(url))));
    }
  }
  CHECK(built > 0);
}
