// Trap backtraces of the compiled tier: a trap (divide by zero, unreachable, an out-of-bounds
// fault, a timeout) names the Wasm functions on the stack, innermost first, with the same names
// the interpreter reports. Real compiler, real modules (WAT with a name section).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "aot_support.hpp"
#include "test_support.hpp"

using namespace edge::node;
namespace fs = std::filesystem;
using edge::test::TempDir;
using namespace edge::node::aot_test;

namespace {

// The failure of one request to the module (the test modules all fail).
ExecFailure failed_request(LoadedModule& m, std::chrono::milliseconds wall = std::chrono::milliseconds(5000)) {
  ServiceContext s;
  s.name = "trace-v1";
  s.env = {{"MCM.BASE_API_PATH", "/test-client/trace/v1"}};
  s.limits.wall_time = wall;
  HttpRequest r;
  r.method = "GET";
  r.url = "/test-client/trace/v1/";
  Outcome o = m.handle(s, r);
  REQUIRE(o.failure());
  return *o.failure();
}

std::vector<std::string> names(const ExecFailure& f) {
  std::vector<std::string> out;
  for (const TraceFrame& frame : f.backtrace) out.push_back(frame.name);
  return out;
}

std::string describe_all(const ExecFailure& f) {
  std::string text = f.message;
  for (size_t i = 0; i < f.backtrace.size(); ++i) text += "\n  " + describe(f.backtrace[i], i);
  return text;
}

}  // namespace

TEST_CASE("a compiled trap names its Wasm functions innermost first, as the interpreter does") {
  Engines e;
  auto& aot = e.aot;
  auto& interp = e.interp;
  struct Case {
    const char* stem;
    const char* message;
  } cases[] = {{"trace_div0", "divide by zero"}, {"trace_unreachable", "unreachable"}, {"trace_oob", "out of bounds"}};
  for (const auto& c : cases) {
    std::string stem = c.stem;
    CAPTURE(stem);
    auto wasm = wat_module(c.stem);
    REQUIRE(!wasm.empty());
    ExecFailure compiled = failed_request(*load(*aot, wasm));
    ExecFailure interpreted = failed_request(*load(*interp, wasm));
    INFO("aot: " << describe_all(compiled));
    INFO("interp: " << describe_all(interpreted));
    CHECK(compiled.kind == ExecFailure::Kind::Trap);
    CHECK(compiled.message.find(c.message) != std::string::npos);
    CHECK(names(compiled) == std::vector<std::string>{"inner", "outer", "on_event"});
    CHECK(names(compiled) == names(interpreted));
    for (const TraceFrame& frame : compiled.backtrace) {
      CHECK(!frame.code_offset);  // native code cannot tell the Wasm instruction
      CHECK(frame.line == 0);     // no DWARF in these modules
    }
  }
}

TEST_CASE("a compiled guest stopped at its deadline names where it was") {
  Engines e;
  auto& aot = e.aot;
  // 2 s, not less: under qemu-user on a loaded machine (scripts/cross.sh) a shorter deadline could
  // pass before the guest started, and the trace would then be empty.
  ExecFailure stopped = failed_request(*load(*aot, wat_module("trace_loop")), std::chrono::milliseconds(2000));
  INFO(describe_all(stopped));
  CHECK(stopped.kind == ExecFailure::Kind::Timeout);
#if defined(__arm__)
  // 32-bit ARM keeps only the interrupted function of a signal (runtime.cpp, capture_trace).
  CHECK(names(stopped) == std::vector<std::string>{"spin"});
#else
  CHECK(names(stopped) == std::vector<std::string>{"spin", "outer", "on_event"});
#endif
}

TEST_CASE("stack exhaustion in compiled code keeps the innermost frames") {
  Engines e;
  auto& aot = e.aot;
  ExecFailure exhausted = failed_request(*load(*aot, wat_module("trace_recurse")));
  CHECK(exhausted.kind == ExecFailure::Kind::Trap);
  CHECK(exhausted.message.find("stack") != std::string::npos);
  // Captured from the signal handler on the alternate stack: capped (runtime.cpp), all `deep`.
  REQUIRE(!exhausted.backtrace.empty());
  CHECK(exhausted.backtrace.size() <= 64);
  for (const TraceFrame& frame : exhausted.backtrace) CHECK(frame.name == "deep");
}
