#pragma once
// One frame of a guest backtrace, as far as the engine can tell. C++17-clean: the wabt adapter
// (compiled as C++17) fills it, engine.hpp's ExecFailure carries it, the server logs it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace edge::node {

struct TraceFrame {
  uint32_t func_index = 0;              // Wasm function index (imports first)
  std::string name;                     // from the name section (demangled); empty if absent
  std::optional<uint32_t> code_offset;  // code-section-relative address (DWARF's); if known
  std::string file;                     // from DWARF, when the module has it
  int line = 0;                         // 0: unknown
  bool line_is_entry = false;           // the line is the function's start, not the exact site
};

// One log line per frame: "#0 divide_by_zero(int) at src/main.cpp:6" (or "... in function starting
// at src/main.cpp:5" when only the function is known, "wasm-function[47]" when it has no name).
inline std::string describe(const TraceFrame& frame, size_t depth) {
  std::string text = "#" + std::to_string(depth) + " ";
  text += frame.name.empty() ? "wasm-function[" + std::to_string(frame.func_index) + "]" : frame.name;
  if (frame.code_offset) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", unsigned(*frame.code_offset));
    text += std::string(" @") + hex;
  }
  if (frame.line > 0)
    text +=
        (frame.line_is_entry ? " in function starting at " : " at ") + frame.file + ":" + std::to_string(frame.line);
  return text;
}

}  // namespace edge::node
