// A CLI that helps when you slip (issue 16): `edge` alone, `edge help [COMMAND]`, a mistyped
// command, an unknown manifest key, a .wasm that is not one, options a command does not have,
// and the quoted `next:` line.
#include <doctest/doctest.h>

#include "cli_test_util.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

TEST_CASE("edge alone lists the commands, edge help COMMAND explains one, a slip gets the nearest command") {
  auto bare = run({edge_bin().string()});
  CHECK(bare.exit_code == 0);
  CHECK(bare.out.find("build") != std::string::npos);
  CHECK(bare.out.find("deploy") != std::string::npos);
  auto help = run({edge_bin().string(), "help", "build"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--debug") != std::string::npos);
  auto nope = run({edge_bin().string(), "help", "nope"});
  CHECK(nope.exit_code == 2);
  CHECK(nope.err.find("no command 'nope'") != std::string::npos);
  auto slip = run({edge_bin().string(), "biuld"});
  CHECK(slip.exit_code == 2);
  CHECK(slip.err.find("did you mean `edge build`?") != std::string::npos);
  auto far = run({edge_bin().string(), "frobnicate"});
  CHECK(far.exit_code == 2);
  CHECK(far.err.find("did you mean") == std::string::npos);  // nothing near: no guess
  CHECK(run({edge_bin().string(), "-q", "biuld"}).err.find("`edge build`") != std::string::npos);
  auto node_version = run({node_bin().string(), "--version"});
  CHECK(node_version.out.starts_with("edge-node "));
}

TEST_CASE("options a command does not have are refused: --json on logs, --node twice on ls") {
  auto logs = run({edge_bin().string(), "logs", "hello", "--json"});
  CHECK(logs.exit_code == 2);
  CHECK(logs.err.find("--json") != std::string::npos);
  auto ls = run({edge_bin().string(), "ls", "--node", "http://127.0.0.1:1", "--node", "http://127.0.0.1:2"});
  CHECK(ls.exit_code == 2);
  CHECK(run({edge_bin().string(), "ls", "--help"}).out.find("--node TEXT ...") == std::string::npos);
}

TEST_CASE("an unknown manifest key is refused with the key it looks like") {
  TempDir tmp;
  write_file(tmp / "svc" / "edge.yaml", "name: svc\nenvv:\n  GREETING: hi\nbuild:\n  sources: [src/*.cpp]\n");
  write_file(tmp / "svc" / "src" / "main.cpp", "int x;\n");
  auto r = run({edge_bin().string(), "build"}, tmp / "svc");
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("unknown key `envv`") != std::string::npos);
  CHECK(r.err.find("did you mean `env`?") != std::string::npos);
  write_file(tmp / "svc" / "edge.yaml", "name: svc\nbuild:\n  source: [src/*.cpp]\n");
  r = run({edge_bin().string(), "build"}, tmp / "svc");
  CHECK(r.err.find("unknown key `build.source`") != std::string::npos);
  CHECK(r.err.find("did you mean `build.sources`?") != std::string::npos);
}

TEST_CASE("inspect says a broken .wasm is not a module, deploy outside a project is a usage error") {
  TempDir tmp;
  write_file(tmp / "bad.wasm", "this is not wasm");
  auto r = run({edge_bin().string(), "inspect", (tmp / "bad.wasm").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("is not a WebAssembly module") != std::string::npos);
  CHECK(r.err.find("tar") == std::string::npos);
  auto deploy = run({edge_bin().string(), "deploy"}, tmp.path());
  CHECK(deploy.exit_code == 2);
  CHECK(run({edge_bin().string(), "pack"}, tmp.path()).exit_code == 2);
}

TEST_CASE("the next: line quotes a folder the shell would split") {
  TempDir tmp;
  auto r = run({edge_bin().string(), "new", "svc", "--dir", (tmp / "My Dir").string()}, tmp.path());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("next: cd 'My Dir' && edge build") != std::string::npos);
}
