// The initial-memory image (runtime-stub/aot/src/memory_image.hpp): compiled instances start
// from a prepared copy of the memory after the active data segments. Proven here against the
// interpreter on the same modules: overlapping segments, a segment across a page boundary, zero
// and empty segments, passive segments and data.drop, a segment out of bounds (no image: the
// replay traps), and no state leaking from one instance into the next through the pooled memory.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "aot_support.hpp"
#include "test_support.hpp"

using namespace edge::node;
namespace fs = std::filesystem;
using namespace edge::node::aot_test;

TEST_CASE("instances start from the memory image: same memory as the interpreter, nothing leaks between requests") {
  Engines e;
  auto wasm = wat_module("image");
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  // Two spans: "ABCDwxyz" at 16 and 8 bytes at 65530; the zero segment and the gap are not copied.
  CHECK(e.log.contains("initial memory from a 16-byte image"));
  // The module exits with the number of the first failed check (see aot_image.wat). The second
  // and third runs reuse the memory the previous run dirtied and grew.
  for (int run = 1; run <= 3; ++run) {
    CAPTURE(run);
    CHECK(command_outcome(*in) == "exit 0");
    CHECK(command_outcome(*out) == "exit 0");
  }
}

TEST_CASE("memory.init from an active segment traps after instantiation, image or not") {
  Engines e;
  auto wasm = wat_module("image_init_dropped");
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("initial memory from a 4-byte image"));
  CHECK(command_outcome(*in) == "trap: out of bounds");
  CHECK(command_outcome(*out) == "trap: out of bounds");
}

TEST_CASE("a data segment out of bounds gets no image: instantiation traps in both engines") {
  Engines e;
  auto wasm = wat_module("image_oob");
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("initial memory by replaying data segments"));
  CHECK(command_outcome(*in) == "trap: out of bounds");
  CHECK(command_outcome(*out) == "trap: out of bounds");
  // The trap happened half-way through instantiation: the engine still serves the next module.
  auto exit7 = load(*e.aot, wat_module("exit"));
  CHECK(command_outcome(*exit7) == "exit 7");
}

TEST_CASE("a C++ module built with clang gets an image and keeps answering like the interpreter") {
  if (!fs::exists(AOT_PROBE_WASM)) {
    edge::test::skip_test("clang++-19 is missing, so the probe module was not built");
    return;
  }
  Engines e;
  auto wasm = read_bytes(AOT_PROBE_WASM);
  auto in = load(*e.interp, wasm);
  auto out = load(*e.aot, wasm);
  CHECK(e.log.contains("initial memory from a "));
  CHECK_FALSE(e.log.contains("initial memory from a 0-byte image"));
  ServiceContext s;
  s.name = "probe-v1";
  s.env = {{"MCM.BASE_API_PATH", "/test-client/probe/v1"}};
  s.limits.wall_time = std::chrono::milliseconds(5000);
  for (const char* url : {"/hello", "/env", "/event?x=1", "/hello"}) {
    CAPTURE(url);
    HttpRequest r;
    r.method = "GET";
    r.url = url;
    Outcome a = in->handle(s, r), b = out->handle(s, r);
    REQUIRE(a.response());
    REQUIRE(b.response());
    CHECK(a.response()->status == b.response()->status);
    CHECK(a.response()->body == b.response()->body);
  }
}
