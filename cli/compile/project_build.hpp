#pragma once
// `edge build` as a function, so other commands (pack) can rebuild a stale module first.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "edge/core/manifest.hpp"
#include "edge/core/result.hpp"
#include "compile/toolchain.hpp"
#include "edge/core/wasm_inspect.hpp"

namespace edge::build {

enum class Profile { Release, Debug };

struct BuildOptions {
  std::filesystem::path start_dir = ".";  // any folder inside the project
  Profile profile = Profile::Release;
  std::optional<std::filesystem::path> wasi_sdk;  // --wasi-sdk
  unsigned jobs = 0;                              // 0: hardware_concurrency
  bool precompile_headers = true;                 // debug only: see sdk_prelude.hpp
};

struct BuildOutcome {
  std::filesystem::path project_root;
  Manifest manifest;
  std::filesystem::path wasm;  // <root>/build/<name>.wasm
  size_t wasm_bytes = 0;
  size_t sources = 0;
  size_t compiled = 0;      // sources recompiled this time
  bool linked = false;      // false: the module was up to date
  bool optimized = false;   // wasm-opt ran and its output was kept
  ValidationReport report;  // the finished module, validated
};

// The plan of a build, as data (build_project runs it; tests read it): the compiler command
// every source of `m` starts with (language, profile, SDK and project include dirs, defines,
// the manifest's cxxflags), and the link command of `objects` into `output`.
std::vector<std::string> compile_base(const Toolchain& tc, const Manifest& m, const std::filesystem::path& root,
                                      Profile p);
std::vector<std::string> link_command(const Toolchain& tc, const Manifest& m,
                                      const std::vector<std::filesystem::path>& objects,
                                      const std::filesystem::path& output, Profile p);

// Compiles what changed, links, optimises (release), writes compile_commands.json and
// validates. Compiler output is printed as the compiler wrote it. An Error when the build
// could not finish; a finished build with an invalid module is a BuildOutcome whose
// report is not ok().
Result<BuildOutcome> build_project(const BuildOptions& options);

}  // namespace edge::build
