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
#include "test_support.hpp"

using namespace edge::node;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<uint8_t> wat_module(const std::string& stem) {
  auto bytes = read_bytes(fs::path(EDGE_TEST_WASM_DIR) / ("aot_" + stem + ".wasm"));
  REQUIRE_MESSAGE(!bytes.empty(), "missing test module aot_" << stem << ".wasm");
  return bytes;
}

// The AOT engine's log: it says how each loaded module gets its initial memory.
struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  bool contains(const std::string& s) {
    std::lock_guard lock(mu);
    for (auto& l : lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

struct Engines {
  edge::test::TempDir dir;
  Log log;
  std::unique_ptr<Engine> interp = make_interp_engine();
  std::unique_ptr<Engine> aot;
  Engines() {
    AotOptions o;
    o.cache_dir = dir / "aot-cache";
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log.mu);
      log.lines.push_back(line);
    };
    auto e = make_aot_engine_checked(o);
    REQUIRE_MESSAGE(e.ok(), "no C compiler: " << (e.ok() ? "" : e.error().to_string()));
    aot = std::move(*e);
  }
  std::shared_ptr<LoadedModule> load(Engine& e, const std::vector<uint8_t>& wasm) {
    auto m = e.load(wasm, "image-test");
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().to_string()));
    return *m;
  }
};

// "exit N", "trap: out of bounds" or the error's message.
std::string command_outcome(LoadedModule& m) {
  CommandInvocation inv;
  inv.args = {"t.wasm"};
  inv.wall_time = std::chrono::milliseconds(5000);
  auto r = m.run_command(inv);
  if (r.ok()) return "exit " + std::to_string(*r);
  if (r.error().message.find("out of bounds") != std::string::npos) return "trap: out of bounds";
  return "other: " + r.error().message;
}

}  // namespace

TEST_CASE("instances start from the memory image: same memory as the interpreter, nothing leaks between requests") {
  Engines e;
  auto wasm = wat_module("image");
  auto in = e.load(*e.interp, wasm);
  auto out = e.load(*e.aot, wasm);
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
  auto in = e.load(*e.interp, wasm);
  auto out = e.load(*e.aot, wasm);
  CHECK(e.log.contains("initial memory from a 4-byte image"));
  CHECK(command_outcome(*in) == "trap: out of bounds");
  CHECK(command_outcome(*out) == "trap: out of bounds");
}

TEST_CASE("a data segment out of bounds gets no image: instantiation traps in both engines") {
  Engines e;
  auto wasm = wat_module("image_oob");
  auto in = e.load(*e.interp, wasm);
  auto out = e.load(*e.aot, wasm);
  CHECK(e.log.contains("initial memory by replaying data segments"));
  CHECK(command_outcome(*in) == "trap: out of bounds");
  CHECK(command_outcome(*out) == "trap: out of bounds");
  // The trap happened half-way through instantiation: the engine still serves the next module.
  auto exit7 = e.load(*e.aot, wat_module("exit"));
  CHECK(command_outcome(*exit7) == "exit 7");
}

TEST_CASE("a C++ module built with clang gets an image and keeps answering like the interpreter") {
  if (!fs::exists(AOT_PROBE_WASM)) {
    MESSAGE("SKIPPED: clang++-19 missing, probe.wasm not built");
    return;
  }
  Engines e;
  auto wasm = read_bytes(AOT_PROBE_WASM);
  auto in = e.load(*e.interp, wasm);
  auto out = e.load(*e.aot, wasm);
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
    REQUIRE(a.response);
    REQUIRE(b.response);
    CHECK(a.response->status == b.response->status);
    CHECK(a.response->body == b.response->body);
  }
}
