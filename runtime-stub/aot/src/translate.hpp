#pragma once
// Wasm -> C with wabt's in-process C writer (what the `wasm2c` tool does, without a process).
#include <cstdint>
#include <span>
#include <string>

#include "edge/core/result.hpp"

namespace edge::node::aot {

struct Translation {
  std::string c_source;         // the module's C (includes "module.h")
  std::string header;           // module.h
  uint32_t imported_funcs = 0;  // function indexes of defined functions start here
  uint32_t defined_funcs = 0;
  bool changes_tables = false;  // some code changes a table, or drops or copies from a segment
};

// The wasm2c module name: every generated symbol is Z_m_... (fixed, so the glue knows them).
inline constexpr const char* kModuleName = "m";
inline constexpr const char* kHeaderName = "module.h";

Result<Translation> translate_to_c(std::span<const uint8_t> wasm);

}  // namespace edge::node::aot
