#pragma once
// `edge build` as a function, so other commands (pack) can rebuild a stale module first.
#include <filesystem>
#include <optional>

#include "edge/core/manifest.hpp"
#include "edge/core/result.hpp"
#include "edge/core/wasm_inspect.hpp"

namespace edge::build {

enum class Profile { Release, Debug };

struct BuildOptions {
  std::filesystem::path start_dir = ".";                // any folder inside the project
  Profile profile = Profile::Release;
  std::optional<std::filesystem::path> wasi_sdk;       // --wasi-sdk
  unsigned jobs = 0;                                    // 0: hardware_concurrency
  bool precompile_headers = true;                       // debug only: see sdk_prelude.hpp
};

struct BuildOutcome {
  std::filesystem::path project_root;
  Manifest manifest;
  std::filesystem::path wasm;      // <root>/build/<name>.wasm
  size_t wasm_bytes = 0;
  size_t sources = 0;
  size_t compiled = 0;             // sources recompiled this time
  bool linked = false;             // false: the module was up to date
  bool optimized = false;          // wasm-opt ran and its output was kept
  ValidationReport report;         // the finished module, validated
};

// Compiles what changed, links, optimises (release), writes compile_commands.json and
// validates. Compiler output is printed as the compiler wrote it. An Error when the build
// could not finish; a finished build with an invalid module is a BuildOutcome whose
// report is not ok().
Result<BuildOutcome> build_project(const BuildOptions& options);

}  // namespace edge::build
