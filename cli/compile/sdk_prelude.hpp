#pragma once
// Debug builds precompile the headers a source starts with (the SDK and the standard library),
// so a save in `edge dev` recompiles only the user's own code. Measured on the hello template:
// parsing those headers was 1.4 s of a 2.0 s compile; with the precompiled prelude, 0.13 s.
//
// clang's PCH with -fpch-codegen also emits the headers' inline functions once, into an
// object of their own, so each unit no longer generates code for them.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace edge::build {

// The `#include <...>` lines a source begins with, after comments and blank lines, in order.
// The scan stops at anything else (a quoted include, a #define, code): what comes after may
// depend on it, so only this leading run is the same whether precompiled or not.
std::vector<std::string> leading_angle_includes(const std::filesystem::path& source);

// True when a prelude is worth precompiling: it pulls in the SDK.
bool includes_sdk(const std::vector<std::string>& includes);

// The prelude of one set of leading includes, kept in `dir` (one folder per distinct set).
struct Prelude {
  std::filesystem::path dir, header, pch, object;
  std::string header_text;                  // the includes, one per line
  std::vector<std::string> pch_command;     // compiles `header` into `pch`
  std::vector<std::string> object_command;  // compiles `pch` into `object` (the inline functions' code)
  std::vector<std::string> use_flags() const { return {"-include-pch", pch.string()}; }
};

// `compile_base`: a unit's command without its source and output (it is part of the key: other
// flags, another prelude). `object_base`: the compiler, target and profile flags, for compiling
// the PCH into its object.
Prelude make_prelude(const std::filesystem::path& preludes_dir, const std::vector<std::string>& includes,
                     const std::vector<std::string>& compile_base, const std::vector<std::string>& object_base);

// Where preludes live: a per-user cache shared by every project, so a new project's first debug
// build finds the SDK already precompiled ($EDGE_CACHE_DIR/prelude, else
// $XDG_CACHE_HOME/edge/prelude, else ~/.cache/edge/prelude); `fallback` when none can be made.
std::filesystem::path prelude_cache_dir(const std::filesystem::path& fallback);

// Makes the prelude's PCH and object current (under a lock: parallel builds share the cache).
// False when it cannot be used (a toolchain without -fpch-codegen, say): sources then compile
// the plain way, which is only slower. `compiler` counts as an input: a PCH is only readable by
// the clang build that wrote it.
bool ensure_prelude(const Prelude& p, const std::filesystem::path& compiler);

// Deletes the preludes no build has used for `unused_for` (each holds a PCH of about 20 MB, and
// every new set of leading includes or flags makes one). A later build remakes what it needs.
void remove_unused_preludes(const std::filesystem::path& preludes_dir, std::chrono::hours unused_for);

}  // namespace edge::build
