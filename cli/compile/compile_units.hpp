#pragma once
// Running the compiler over the sources that are stale, on several threads: what `edge build`
// (wasm32) and `edge test` (the C++ tests, for this machine) share. Each decides for itself what
// is stale; this runs the commands, keeps the stamps honest and the diagnostics whole.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace edge::build {

struct CompileUnit {
  std::filesystem::path source;      // as written in messages
  std::vector<std::string> command;  // what runs, without depfile and colour flags; also the stamp
  std::filesystem::path depfile;     // written by the compiler (-MD -MF)
  std::filesystem::path stamp;       // the command of the last successful compile (incremental.hpp)
};

// What a stamp holds for `command`: the command line, quoted.
std::string stamp_of(const std::vector<std::string>& command);

// Compiles `units` on `jobs` threads ("Compiling X" as a progress step). A unit's stamp is removed
// before it compiles and written after it succeeds, so a failed or interrupted compile never looks
// up to date. Each compiler's output goes to `output` whole, as the compiler wrote it, so parallel
// diagnostics do not interleave. Returns how many failed.
size_t compile_units(const std::vector<const CompileUnit*>& units, unsigned jobs, bool color,
                     const std::function<void(std::string_view)>& output);

}  // namespace edge::build
