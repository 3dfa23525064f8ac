// Installed like a real tool (issue 16): `cmake --install` into a fresh prefix, then the
// installed `edge` scaffolds, builds, tests and deploys to the installed `edge-node`, which
// compiles the module with the installed worker; a service builds with plain CMake from the
// installed package. Packaged (issue 27): two .deb files from one build, `edge` with the WASI
// toolchain and `edge-node`, which installs alone into a clean root without pulling any compiler.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <cctype>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("cmake --install gives a working edge and edge-node, also moved: new, build, test, deploy, compiled") {
  TempDir root, work;
  auto installed = run({EDGE_CMAKE_COMMAND, "--install", EDGE_BUILD_DIR, "--prefix", (root / "first").string()});
  REQUIRE_MESSAGE(installed.exit_code == 0, installed.out << installed.err);
  // A relocated prefix works: the binaries find their data beside themselves.
  fs::rename(root / "first", root / "moved");
  const fs::path prefix = root / "moved";
  const fs::path edge = prefix / "bin" / "edge", node_exe = prefix / "bin" / "edge-node";
  REQUIRE(fs::exists(prefix / "bin" / "edge-aot-compile"));

  // No EDGE_SHARE_DIR: the installed binary finds its templates, SDK and docs by itself.
  auto made = run({edge.string(), "new", "hello"}, work.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const std::string readme = read_file(work / "hello" / "README.md");
  const fs::path sdk_doc = prefix / "share" / "doc" / "edge" / "sdk.md";
  CHECK(readme.find(sdk_doc.string()) != std::string::npos);
  CHECK(fs::exists(sdk_doc));
  CHECK(fs::exists(prefix / "include" / "edge" / "testing" / "fake_host.hpp"));
  CHECK(fs::exists(prefix / "include" / "edge" / "testing" / "service_host.hpp"));
  auto built = run({edge.string(), "build"}, work / "hello");
  REQUIRE_MESSAGE(built.exit_code == 0, built.out << built.err);
  auto tested = run({edge.string(), "test"}, work / "hello");  // the installed edge-node, beside edge
  CHECK_MESSAGE(tested.exit_code == 0, tested.out << tested.err);

  // The same service with plain CMake: find_package(edge) and the toolchain file, both from the
  // moved prefix; the module is validated by the installed edge as part of the build.
  const fs::path plain = work / "plain";
  fs::create_directories(plain / "src");
  fs::copy_file(work / "hello" / "src" / "main.cpp", plain / "src" / "main.cpp");
  write_file(plain / "CMakeLists.txt",
             "cmake_minimum_required(VERSION 3.20)\nproject(plain CXX)\n"
             "find_package(edge 0.1 REQUIRED)\nedge_add_service(plain SOURCES src/main.cpp)\n");
  auto configured =
      run({EDGE_CMAKE_COMMAND, "-S", plain.string(), "-B", (plain / "build").string(),
           "-DCMAKE_PREFIX_PATH=" + prefix.string(),
           "-DCMAKE_TOOLCHAIN_FILE=" + (prefix / "share" / "edge" / "cmake" / "wasm32-wasi.cmake").string()});
  REQUIRE_MESSAGE(configured.exit_code == 0, configured.out << configured.err);
  auto compiled = run({EDGE_CMAKE_COMMAND, "--build", (plain / "build").string()});
  REQUIRE_MESSAGE(compiled.exit_code == 0, compiled.out << compiled.err);
  CHECK(compiled.out.find("Validating plain.wasm") != std::string::npos);
  CHECK(compiled.out.find("valid") != std::string::npos);
  const fs::path plain_wasm = plain / "build" / "plain.wasm";
  REQUIRE(fs::exists(plain_wasm));
  CHECK(fs::file_size(plain_wasm) < 64 * 1024);  // release flags, as edge build: small
  CHECK(run({edge.string(), "validate", plain_wasm.string()}).exit_code == 0);

  NodeProcess::Options o;
  o.data_dir = work / "node";
  o.extra_args = {"--engine", "auto"};
  o.binary = node_exe;  // the installed node, not the build tree's
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  auto deployed = run({edge.string(), "deploy", "--node", node.url(), "--token", node.token()}, work / "hello");
  REQUIRE_MESSAGE(deployed.exit_code == 0, deployed.out << deployed.err);
  httplib::Client c("127.0.0.1", node.port());
  c.set_bearer_token_auth(node.token());
  std::string engine;
  // Liveness only: the optimising compile (gcc) of the worker beside the installed node takes a
  // second or two here, and tens of seconds on a loaded machine: 300 s is far beyond either.
  for (int i = 0; i < 3000 && engine != "aot"; ++i) {
    auto res = c.Get("/mcm/v1/containers/hello-v1");
    if (res && res->status == 200) engine = nlohmann::json::parse(res->body).value("engine", "");
    if (engine != "aot") std::this_thread::sleep_for(100ms);
  }
  CHECK_MESSAGE(engine == "aot", node.log());
  auto answer = c.Get("/" + node.client_id() + "/hello/v1/");
  REQUIRE(answer);
  CHECK(answer->status == 200);
}

namespace {

// cpack's two packages, by package name, in `out`.
std::map<std::string, fs::path> build_debs(const fs::path& out) {
  auto packed = run({EDGE_CPACK_COMMAND, "-G", "DEB", "-B", out.string(), "--config",
                     std::string(EDGE_BUILD_DIR) + "/CPackConfig.cmake"});
  REQUIRE_MESSAGE(packed.exit_code == 0, packed.out << packed.err);
  std::map<std::string, fs::path> debs;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().extension() == ".deb") debs[run({"dpkg-deb", "-f", e.path().string(), "Package"}).out] = e.path();
  return debs;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("the edge .deb holds the CLI, templates, SDK and docs, and depends on the WASI toolchain and edge-node") {
  TempDir out;
  auto debs = build_debs(out.path());
  std::map<std::string, fs::path> named;
  for (const auto& [name, path] : debs) named[trimmed(name)] = path;
  REQUIRE(named.size() == 2);
  REQUIRE(named.count("edge"));
  REQUIRE(named.count("edge-node"));
  const fs::path deb = named["edge"];
  const std::string files = run({"dpkg-deb", "-c", deb.string()}).out;
  for (const char* f : {"./usr/bin/edge", "./usr/share/edge/templates/hello/edge.yaml", "./usr/include/edge/edge.hpp",
                        "./usr/include/edge/testing/service_host.hpp", "./usr/share/edge/cmake/edgeConfig.cmake",
                        "./usr/share/edge/cmake/wasm32-wasi.cmake", "./usr/share/bash-completion/completions/edge",
                        "./usr/share/zsh/vendor-completions/_edge", "./usr/share/fish/vendor_completions.d/edge.fish",
                        "./usr/share/doc/edge/sdk.md"}) {
    CAPTURE(f);
    CHECK(files.find(f) != std::string::npos);
  }
  CHECK(files.find("/usr/bin/edge-node") == std::string::npos);  // the other package's
  const std::string depends = run({"dpkg-deb", "-f", deb.string(), "Depends"}).out;
  for (const char* d : {"edge-node (= ", "clang-19", "lld-19", "wasi-libc", "libc++-19-dev-wasm32", "binaryen", "wabt",
                        "doctest-dev", "libfmt"}) {
    CAPTURE(d);
    CHECK(depends.find(d) != std::string::npos);
  }
  MESSAGE(deb.filename().string() << ": " << fs::file_size(deb) / 1024 << " KiB; Depends: " << depends);

  // What the packages install works, used from a folder outside the source tree: the payloads
  // unpacked (as dpkg would put them under /, here under a folder: the tools find their data
  // relative to themselves), then new, build, test (on the packaged node) and pack.
  TempDir root, work;
  for (const auto& [name, path] : named) {
    auto unpacked = run({"dpkg-deb", "-x", path.string(), root.path().string()});
    REQUIRE_MESSAGE(unpacked.exit_code == 0, unpacked.err);
  }
  const std::string edge = (root / "usr" / "bin" / "edge").string();
  REQUIRE(run({edge, "new", "x"}, work.path()).exit_code == 0);
  for (const char* step : {"build", "test", "pack"}) {
    auto r = run({edge, step}, work / "x");
    CAPTURE(step);
    CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  }
  CHECK(fs::exists(work / "x" / "deploy" / "x-v1-1.0.0.tar"));
  const std::string completion = read_file(root / "usr" / "share" / "bash-completion" / "completions" / "edge");
  CHECK(completion.find("complete -F _edge edge") != std::string::npos);
}

TEST_CASE("edge-node installs alone into a clean root: no compiler, no WASI toolchain, conffiles, its quick tier") {
  TempDir out, root;
  auto debs = build_debs(out.path());
  fs::path deb;
  for (const auto& [name, path] : debs)
    if (trimmed(name) == "edge-node") deb = path;
  REQUIRE_FALSE(deb.empty());

  const std::string files = run({"dpkg-deb", "-c", deb.string()}).out;
  for (const char* f : {"./usr/bin/edge-node", "./usr/bin/edge-aot-compile", "./usr/lib/edge-node/include/wasm-rt.h",
                        "./usr/lib/edge-node/tcc/libtcc1.a", "./usr/lib/systemd/system/edge-node.service",
                        "./etc/edge-node/edge-node.conf", "./etc/logrotate.d/edge-node", "./usr/share/edge/dashboard/",
                        "./usr/share/doc/edge-node/node.md"}) {
    CAPTURE(f);
    CHECK(files.find(f) != std::string::npos);
  }
  for (const char* f : {"./usr/bin/edge ", "/templates/", "./usr/include/", "/bin/tcc", "/bin/gcc"}) {
    CAPTURE(f);
    CHECK(files.find(f) == std::string::npos);
  }
  const std::string recommends = run({"dpkg-deb", "-f", deb.string(), "Recommends"}).out;
  CHECK(recommends.find("gcc") != std::string::npos);  // the optimising tier, when there is room for it

  // Installed with dpkg into an empty root: its files, its two conffiles, its maintainer scripts
  // (which leave users and services to the system that boots that root).
  for (const char* d : {"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"})
    fs::create_directories(root / d);
  write_file(root / "var" / "lib" / "dpkg" / "status", "");
  auto installed = run(
      {"dpkg", "--root=" + root.path().string(), "--force-depends", "--force-script-chrootless", "-i", deb.string()});
  REQUIRE_MESSAGE(installed.exit_code == 0, installed.out << installed.err);
  const std::string admin = "--admindir=" + (root / "var" / "lib" / "dpkg").string();
  auto status = run({"dpkg-query", admin, "-W", "-f=${Status}|${Conffiles}", "edge-node"});
  CHECK(status.out.find("install ok installed") != std::string::npos);
  CHECK(status.out.find("/etc/edge-node/edge-node.conf") != std::string::npos);
  CHECK(status.out.find("/etc/logrotate.d/edge-node") != std::string::npos);

  // Everything apt would install for it on an empty system, Recommends aside: no compiler (gcc,
  // cpp, clang, tcc, g++), linker or WASI toolchain. (Needs apt's package lists, which
  // scripts/setup.sh leaves in place.)
  TempDir apt_state;
  write_file(apt_state / "status", "");
  auto simulated = run({"apt-get", "install", "-s", "--no-install-recommends", "-o",
                        "Dir::State::status=" + (apt_state / "status").string(), deb.string()});
  if (simulated.exit_code != 0) {
    bool lists = false;  // a machine set up from an image whose lists were cleaned has none
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/var/lib/apt/lists", ec))
      lists = lists || e.path().filename().string().find("_Packages") != std::string::npos;
    if (!lists) return skip_test("apt has no package lists here (apt-get update makes them)");
  }
  REQUIRE_MESSAGE(simulated.exit_code == 0, simulated.out << simulated.err);
  std::set<std::string> pulled;
  std::istringstream lines(simulated.out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("Inst ", 0) == 0) pulled.insert(line.substr(5, line.find(' ', 5) - 5));
  CHECK(pulled.count("edge-node"));
  CHECK(pulled.count("libc6-dev"));  // the C library's headers, which the quick tier's C includes
  const std::regex toolchain(
      R"(^(gcc(-[0-9]+)?|cpp(-[0-9]+)?|g\+\+(-[0-9]+)?|clang(-[0-9]+)?|tcc|lld(-[0-9]+)?|binutils|)"
      R"(wabt|binaryen|wasi-libc|libc\+\+.*wasm32|libclang-rt.*wasm32|doctest-dev)$)");
  std::string all;
  for (const auto& p : pulled) {
    all += p + " ";
    CAPTURE(p);
    CHECK_FALSE(std::regex_match(p, toolchain));
  }
  MESSAGE(pulled.size() << " packages for edge-node alone: " << all);

  // The packaged node compiles with what it carries: tcc's runtime from its own folder, with no
  // compiler on PATH. Proof that it reads that folder: without it, the quick tier says so, by name.
  const fs::path node = root / "usr" / "bin" / "edge-node";
  const std::string wasm = std::string(EDGE_TEST_WASM_DIR) + "/wasi_exit.wasm";
  auto quick = run({node.string(), "run", "--engine", "quick", wasm}, {}, {{"PATH", "/nonexistent"}});
  CHECK_MESSAGE(quick.exit_code == 42, quick.out << quick.err);
  CHECK(quick.out.find("before exit") != std::string::npos);
  fs::remove(root / "usr" / "lib" / "edge-node" / "tcc" / "libtcc1.a");
  auto without = run({node.string(), "run", "--engine", "quick", wasm}, {}, {{"PATH", "/nonexistent"}});
  CHECK(without.exit_code != 0);
  CHECK_MESSAGE(without.err.find((root / "usr" / "lib" / "edge-node" / "tcc").string()) != std::string::npos,
                without.err);
}

TEST_CASE("edge-node's postinst makes its system user and enables the unit, and with DPKG_ROOT it touches nothing") {
  // The maintainer scripts run against stand-ins for the system's tools, which write down how
  // they were called: a test must not add users to the machine it runs on.
  TempDir stubs, calls;
  for (const char* tool : {"useradd", "deb-systemd-helper", "systemctl"})
    write_file(stubs / tool, std::string("#!/bin/sh\necho \"") + tool + " $*\" >> " + (calls / "log").string() + "\n");
  for (const auto& e : fs::directory_iterator(stubs.path())) fs::permissions(e.path(), fs::perms::owner_all);
  const fs::path postinst = source_dir() / "runtime-stub" / "server" / "package" / "postinst";
  const std::string path = stubs.path().string() + ":" + std::getenv("PATH");
  // getent finds no user edge-node on a test machine (the package was never installed here).
  if (run({"getent", "passwd", "edge-node"}).exit_code == 0) return skip_test("this machine has a user edge-node");

  auto in_root = run({"sh", postinst.string(), "configure", ""}, {}, {{"PATH", path}, {"DPKG_ROOT", "/some/root"}});
  CHECK(in_root.exit_code == 0);
  CHECK_FALSE(fs::exists(calls / "log"));

  auto configured = run({"sh", postinst.string(), "configure", ""}, {}, {{"PATH", path}, {"DPKG_ROOT", ""}});
  CHECK_MESSAGE(configured.exit_code == 0, configured.err);
  const std::string log = read_file(calls / "log");
  INFO(log);
  CHECK(log.find("useradd --system --user-group --home-dir /var/lib/edge-node") != std::string::npos);
  CHECK(log.find("--shell /usr/sbin/nologin") != std::string::npos);
  if (fs::exists("/usr/bin/deb-systemd-helper"))
    CHECK(log.find("deb-systemd-helper enable edge-node.service") != std::string::npos);
  // The unit runs as that user, with the data and log folders systemd makes for it.
  const std::string unit = read_file(source_dir() / "runtime-stub" / "server" / "systemd" / "edge-node.service");
  for (const char* line : {"User=edge-node", "StateDirectory=edge-node", "LogsDirectory=edge-node",
                           "--log-file /var/log/edge-node/edge-node.log", "ExecReload=/bin/kill -HUP $MAINPID"}) {
    CAPTURE(line);
    CHECK(unit.find(line) != std::string::npos);
  }
}
