#include "compile/host_tests.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <thread>

#include "compile/compile_units.hpp"
#include "compile/incremental.hpp"
#include "compile/process.hpp"
#include "compile/toolchain.hpp"
#include "paths.hpp"

namespace edge::build {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDoctestHeader = "/usr/include/doctest/doctest.h";

// The doctest main, compiled once per project (it is the slowest unit to compile).
constexpr const char* kDoctestMain =
    "// Written by `edge test`: doctest's main for the project's C++ tests.\n"
    "#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN\n"
    "#include <doctest/doctest.h>\n";

// A unit of the test program: what compile_units runs, and the object it writes.
struct Unit : CompileUnit {
  fs::path object;
};

std::vector<std::string> compile_flags(const HostTestOptions& o) {
  // Debug info and no optimisation: a failing test is for reading in a debugger. The service's
  // own cxxflags are for wasm32 and are not passed; its include dirs and defines are.
  std::vector<std::string> flags{
      "-std=c++20", "-g", "-O0", "-Wall", "-Wextra", "-DEDGE_HOST_TEST=1", "-I" + paths::sdk_include_dir().string()};
  for (const auto& dir : o.manifest.build.include_dirs) flags.push_back("-I" + (o.root / dir).string());
  for (const auto& d : o.manifest.build.defines) flags.push_back("-D" + d);
  return flags;
}

// Compiles the units that are out of date (their command changed, or a file they read is newer
// than the object), at most one per core at once; the compilers' output is added to `errors`.
bool compile(const std::vector<Unit>& units, std::string& errors) {
  std::vector<const CompileUnit*> stale;
  for (const auto& u : units) {
    auto inputs = read_depfile(u.depfile);
    if (inputs.empty()) inputs.push_back(u.source);
    if (out_of_date(u.object, inputs) || !stamp_matches(u.stamp, stamp_of(u.command))) stale.push_back(&u);
  }
  return compile_units(stale, std::max(1u, std::thread::hardware_concurrency()), false,
                       [&](std::string_view text) { errors.append(text); }) == 0;
}

// "[doctest] test cases: 3 | 2 passed | 1 failed | 0 skipped"
void read_counts(const std::string& output, HostTestOutcome& out) {
  static const std::regex summary(R"(\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed)");
  std::smatch m;
  if (std::regex_search(output, m, summary)) {
    out.passed = std::stoul(m[2]);
    out.failed = std::stoul(m[3]);
  }
}

}  // namespace

std::vector<fs::path> host_test_sources(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(root / "tests", ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root / "tests", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_regular_file(ec) && name.ends_with("_test.cpp")) out.push_back(it->path().lexically_relative(root));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<fs::path> host_compiler() {
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx) {
    if (auto found = find_program(cxx)) return *found;
    return make_error(std::string("CXX is set to `") + cxx + "`, which is not a program on PATH",
                      "set CXX to your C++ compiler, or unset it to use clang++-19");
  }
  for (const char* name : {"clang++-19", "c++", "g++"})
    if (auto found = find_program(name)) return *found;
  return make_error("no C++ compiler for this machine (the C++ tests run here, not in wasm32)",
                    apt_install("clang-19"));
}

Result<HostTestOutcome> run_host_tests(const HostTestOptions& o) {
  auto tests = host_test_sources(o.root);
  if (tests.empty()) return make_error("no C++ tests (tests/*_test.cpp)");
  std::error_code ec;
  if (!fs::exists(kDoctestHeader, ec))
    return make_error("the C++ tests need doctest, which is not installed", apt_install("doctest-dev"));
  auto cxx = host_compiler();
  if (!cxx) return cxx.error();
  auto service_sources = expand_sources(o.root, o.manifest.build.sources);
  if (!service_sources) return service_sources.error();

  const fs::path dir = o.root / "build" / "test";
  fs::create_directories(dir, ec);
  if (ec) return make_error("cannot create " + dir.string() + ": " + ec.message());
  if (auto written = write_if_changed(dir / "doctest_main.cpp", kDoctestMain); !written) return written.error();

  const auto flags = compile_flags(o);
  std::vector<Unit> units;
  auto add_unit = [&](const fs::path& source, const fs::path& object) {
    Unit u;
    u.source = source;
    u.object = object;
    u.depfile = object.string() + ".d";
    u.stamp = object.string() + ".cmd";
    u.command = {cxx->string()};
    u.command.insert(u.command.end(), flags.begin(), flags.end());
    u.command.insert(u.command.end(), {"-c", source.string(), "-o", object.string()});
    units.push_back(std::move(u));
  };
  add_unit(dir / "doctest_main.cpp", dir / "obj" / "doctest_main.o");
  for (const auto& src : *service_sources) add_unit(o.root / src, dir / "obj" / (src.string() + ".o"));
  for (const auto& src : tests) add_unit(o.root / src, dir / "obj" / (src.string() + ".o"));

  HostTestOutcome out;
  if (!compile(units, out.output)) {
    out.compiled = false;
    out.exit_code = 1;
    return out;
  }
  const fs::path program = dir / (o.manifest.name + "-tests");
  std::vector<std::string> link{cxx->string(), "-o", program.string()};
  std::vector<fs::path> objects;
  for (const auto& u : units) {
    link.push_back(u.object.string());
    objects.push_back(u.object);
  }
  if (out_of_date(program, objects) || !stamp_matches(program.string() + ".cmd", stamp_of(link))) {
    auto linked = run_captured(link);
    if (!linked) return linked.error();
    if (linked->exit_code != 0) {
      out.compiled = false;
      out.exit_code = 1;
      out.output = linked->output;
      return out;
    }
    write_stamp(program.string() + ".cmd", stamp_of(link));
  }

  std::vector<std::string> run{program.string(), "--no-intro=true"};
  if (!o.filter.empty()) run.push_back("--test-case=*" + o.filter + "*");
  auto ran = run_captured(run);
  if (!ran) return ran.error();
  out.exit_code = ran->exit_code;
  out.output = ran->output;
  read_counts(out.output, out);
  if (!o.junit.empty()) {
    // doctest writes one report per run; JUnit goes to a file while the console report above
    // is what a person reads. The tests run in-process in milliseconds, so twice costs little.
    run.insert(run.end(), {"--reporters=junit", "--out=" + o.junit.string()});
    (void)run_captured(run);
  }
  return out;
}

}  // namespace edge::build
