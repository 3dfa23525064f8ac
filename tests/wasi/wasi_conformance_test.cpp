// WASI preview1 conformance (issue 14): C programs of our own (programs/*.c, built with the
// project's WASI toolchain), each check counted under the preview1 function it exercises, run
// by `edge-node run` on both engines; the same programs under Node.js's node:wasi as a reference
// (reported, not required: it is another runtime with its own gaps).
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "test_support.hpp"

using namespace edge::test;

namespace {

struct Program {
  const char* name;
  int exit_code;
};
const Program kPrograms[] = {{"wasi_fd", 0},   {"wasi_path", 0},  {"wasi_corners", 0},
                             {"wasi_proc", 0}, {"wasi_exit", 42}, {"wasi_trap", 134}};
const std::vector<std::string> kArgs = {"a", "-b", "--c"};

std::string wasm_of(const Program& p) { return std::string(EDGE_TEST_WASM_DIR) + "/" + p.name + ".wasm"; }

// "count <function> <checks>" lines of a program's output, added into `counts`.
void add_counts(const std::string& out, std::map<std::string, int>& counts) {
  std::istringstream lines(out);
  std::string word, fn;
  int n = 0;
  while (lines >> word)
    if (word == "count" && lines >> fn >> n) counts[fn] += n;
}

std::string table(const std::map<std::string, int>& counts) {
  std::string s;
  for (const auto& [fn, n] : counts) s += "  " + fn + ": " + std::to_string(n) + "\n";
  return s;
}

}  // namespace

TEST_CASE("WASI preview1: our conformance programs pass on both engines through edge-node run") {
  for (const char* engine : {"interp", "aot"}) {
    std::map<std::string, int> counts;
    for (const auto& p : kPrograms) {
      CAPTURE(engine);
      CAPTURE(p.name);
      TempDir sandbox;
      std::vector<std::string> argv = {
          node_bin().string(), "run",     "--engine", engine, "--dir", sandbox.path().string() + "::/sandbox", "--env",
          "GREETING=hi",       wasm_of(p)};
      if (!have_openat2()) argv.insert(argv.end() - 1, {"--env", "EDGE_TEST_NO_OPENAT2=1"});
      argv.insert(argv.end(), kArgs.begin(), kArgs.end());
      auto r = run(argv);
      INFO(r.out);
      INFO(r.err);
      CHECK(r.exit_code == p.exit_code);
      if (p.exit_code == 0) CHECK(r.out.find("ok: 0 failed") != std::string::npos);
      if (std::string(p.name) == "wasi_exit") {
        CHECK(r.out == "before exit\n");
        ++counts["proc_exit"];
      }
      if (std::string(p.name) == "wasi_trap") CHECK(r.err.find("edge-node: trap: ") != std::string::npos);
      add_counts(r.out, counts);
    }
    MESSAGE("checks per preview1 function on " << std::string(engine) << " (" << counts.size() << " functions):\n"
                                               << table(counts));
    CHECK(counts.size() >= 44);  // every preview1 function but proc_raise (deprecated, ENOSYS everywhere)
  }
}

TEST_CASE("WASI preview1: the path programs pass on the sandbox's walk too (kernels without openat2)") {
  // The node confines paths with openat2 where the kernel has it, else by walking each component
  // itself (sandbox.cpp), which refuses every symlink; EDGE_SANDBOX_NO_OPENAT2 forces the walk.
  for (const char* name : {"wasi_path", "wasi_corners", "wasi_fd"}) {
    CAPTURE(name);
    TempDir sandbox;
    auto r = run({node_bin().string(), "run", "--engine", "interp", "--dir", sandbox.path().string() + "::/sandbox",
                  "--env", "EDGE_TEST_NO_OPENAT2=1", std::string(EDGE_TEST_WASM_DIR) + "/" + name + ".wasm"},
                 {}, {{"EDGE_SANDBOX_NO_OPENAT2", "1"}});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("ok: 0 failed") != std::string::npos);
  }
}

TEST_CASE("WASI preview1: the same programs under Node.js's node:wasi, for reference") {
  auto node = run({"node", "--version"});
  if (node.exit_code != 0) {
    MESSAGE("node is not installed: no reference run");
    return;
  }
  const std::string version = node.out.substr(0, node.out.find('\n'));
  int passed = 0;
  std::string report;
  for (const auto& p : kPrograms) {
    TempDir sandbox;
    std::vector<std::string> argv = {"node",          "--experimental-wasi-unstable-preview1",
                                     "--no-warnings", std::string(EDGE_SOURCE_DIR) + "/tests/wasi/node_wasi.mjs",
                                     wasm_of(p),      sandbox.path().string()};
    argv.insert(argv.end(), kArgs.begin(), kArgs.end());
    auto r = run(argv);
    const bool ok = r.exit_code == p.exit_code;
    passed += ok;
    report += std::string("  ") + p.name + ": exit " + std::to_string(r.exit_code) + (ok ? " (as expected)" : "");
    std::string line;
    for (std::istringstream lines(r.out); std::getline(lines, line);)
      if (line.starts_with("FAIL")) report += "\n    " + line;
    report += "\n";
  }
  MESSAGE("node:wasi (Node.js " << version << ") passes " << passed << " of " << std::size(kPrograms) << " programs:\n"
                                << report);
  CHECK(passed >= 1);  // node:wasi ran them: the programs are plain preview1, not tied to our node
}
