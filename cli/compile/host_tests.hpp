#pragma once
// A project's C++ tests (tests/*_test.cpp, doctest) compiled for this machine together with the
// service's sources, and run in-process under edge::testing::ServiceHost: the routes run as on a
// node, with storage, env, fetches and the clock under the test's control, in milliseconds and
// with a debugger at hand. `edge test` runs them before the HTTP tests on a node.
#include <filesystem>
#include <string>
#include <vector>

#include "edge/core/manifest.hpp"
#include "edge/core/result.hpp"

namespace edge::build {

struct HostTestOptions {
  std::filesystem::path root;  // the project
  Manifest manifest;
  std::string filter;           // only test cases whose name contains this
  std::filesystem::path junit;  // when set: doctest writes its JUnit XML here
};

struct HostTestOutcome {
  int exit_code = 0;  // the test program's
  size_t passed = 0, failed = 0;
  std::string output;  // what it printed (doctest's console report), or the compiler's errors
  bool compiled = true;
};

// tests/*_test.cpp (and tests/**/*_test.cpp), sorted; empty when the project has none.
std::vector<std::filesystem::path> host_test_sources(const std::filesystem::path& root);

// The C++ compiler for this machine: $CXX, else Debian's clang++-19 (already needed for
// wasm32), else c++. An Error names the package to install.
Result<std::filesystem::path> host_compiler();

// Builds build/test/<name>-tests (again only when an input changed) and runs it. An Error when
// it could not be attempted (no compiler, no doctest, sources missing); a compile error is an
// outcome with compiled=false and the compiler's output.
Result<HostTestOutcome> run_host_tests(const HostTestOptions& options);

}  // namespace edge::build
