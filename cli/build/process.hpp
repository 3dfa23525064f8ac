#pragma once
// Running the toolchain's programs (clang++, wasm-opt) from `edge build` and `edge doctor`.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/result.hpp"

namespace edge::build {

struct ProcessResult {
  int exit_code = -1;   // 128+N when killed by signal N
  std::string output;   // stdout and stderr, interleaved as the program wrote them
};

// Runs argv (argv[0] a path, or a name looked up in PATH) and captures its output.
// An Error only when the program could not be started at all.
Result<ProcessResult> run_process(const std::vector<std::string>& argv);

// The first executable `name` in PATH (or `name` itself when it holds a slash and exists).
std::optional<std::filesystem::path> find_program(std::string_view name);

// The first line a program prints for `args` (e.g. `--version`); empty when it cannot run.
std::string first_output_line(const std::filesystem::path& program, const std::vector<std::string>& args);

// A command line a user can paste into a shell (for --verbose and error messages).
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace edge::build
