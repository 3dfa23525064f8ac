#pragma once
// Function names of a Wasm module from its name section, demangled, so every engine's trap
// backtrace (interpreter and compiled tier) shows the same names. C++17-clean: the wabt
// interpreter adapter is compiled as C++17.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edge {

// By function index (imports first); "" for an unnamed function. A stripped module (no name
// section) or an unreadable one gives all-empty or no names: backtraces then show indexes.
std::vector<std::string> read_wasm_func_names(const uint8_t* data, size_t size);

}  // namespace edge
