#pragma once
// Helpers around running the toolchain's programs (clang++, wasm-opt): what runs them is
// edge_core's one process module, edge/core/subprocess.hpp (run_captured, find_program).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edge/core/subprocess.hpp"

namespace edge::build {

// The first line a program prints for `args` (e.g. `--version`); empty when it cannot run.
std::string first_output_line(const std::filesystem::path& program, const std::vector<std::string>& args);

// A command line a user can paste into a shell (for --verbose and error messages).
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace edge::build
