#pragma once
// What the AOT tests share: test modules, both engines side by side (the AOT one logging what it
// does), loading, and one comparable string per command outcome.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "edge/node/aot_engine.hpp"
#include "edge/node/interp_engine.hpp"
#include "test_support.hpp"

namespace edge::node::aot_test {

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// build/test-wasm/aot_<stem>.wasm, made from tests/aot/wat/aot_<stem>.wat.
inline std::vector<uint8_t> wat_module(const std::string& stem) {
  auto bytes = read_bytes(std::filesystem::path(EDGE_TEST_WASM_DIR) / ("aot_" + stem + ".wasm"));
  REQUIRE_MESSAGE(!bytes.empty(), "missing test module aot_" << stem << ".wasm");
  return bytes;
}

// An engine's log lines, for checks such as "now runs compiled".
struct Log {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  bool contains(const std::string& s) {
    std::lock_guard lock(mu);
    for (auto& l : lines)
      if (l.find(s) != std::string::npos) return true;
    return false;
  }
};

inline std::shared_ptr<LoadedModule> load(Engine& e, const std::vector<uint8_t>& wasm) {
  auto m = e.load(wasm, "test");
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().to_string()));
  return *m;
}

// The compiled tier these tests run on: the optimising one (a C compiler), or with
// EDGE_TEST_TIER=quick (ctest's "quick tier: " run of the same cases) the quick one (libtcc).
inline bool quick_tier_under_test() {
  const char* tier = std::getenv("EDGE_TEST_TIER");
  return tier && std::string_view(tier) == "quick";
}

// The interpreter and the compiled tier (its cache in a temp dir), to compare answers.
struct Engines {
  edge::test::TempDir dir;
  Log log;
  std::unique_ptr<Engine> interp = make_interp_engine();
  std::unique_ptr<Engine> aot;
  Engines() {
    AotOptions o;
    o.quick = quick_tier_under_test();
    o.cache_dir = dir / "aot-cache";
    o.log = log.sink();
    auto e = make_aot_engine_checked(o);
    REQUIRE_MESSAGE(e.ok(), "no C compiler: " << (e.ok() ? "" : e.error().to_string()));
    aot = std::move(*e);
  }
};

// What run_command says, as one comparable string: "exit N" or the error's kind.
inline std::string command_outcome(LoadedModule& m, std::chrono::milliseconds wall = std::chrono::milliseconds(5000)) {
  CommandInvocation inv;
  inv.args = {"t.wasm"};
  inv.wall_time = wall;
  auto r = m.run_command(inv);
  if (r.ok()) return "exit " + std::to_string(*r);
  const std::string& msg = r.error().message;
  if (msg.rfind("timeout", 0) == 0) return "timeout";
  if (msg.find("divide by zero") != std::string::npos) return "trap: divide by zero";
  if (msg.find("unreachable") != std::string::npos) return "trap: unreachable";
  if (msg.find("out of bounds") != std::string::npos) return "trap: out of bounds";
  if (msg.find("exhaust") != std::string::npos || msg.find("stack") != std::string::npos) return "trap: stack";
  if (msg.find("indirect") != std::string::npos) return "trap: indirect";
  return "other: " + msg;
}

}  // namespace edge::node::aot_test
