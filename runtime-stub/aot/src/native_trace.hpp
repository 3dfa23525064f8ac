#pragma once
// A compiled module's native trap backtrace, told in Wasm functions.
//
// A native PC is a Wasm frame when it lies in the module's edge_wasm_text section (only Wasm
// functions live there, see func_table.hpp); its function is the one with the greatest start
// address at or below it. Everything else (runtime, glue, host functions, libc) is dropped.
// What native code cannot tell: the exact Wasm instruction, so frames carry no code offset and
// DWARF gives each the first line of its function (TraceFrame::line_is_entry). Wasm functions are
// compiled noinline (func_table.hpp), so every Wasm frame has a native frame; frames deeper than
// the 64 native frames captured at the trap (runtime.cpp) are cut off.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "aot_abi.h"
#include "edge/node/trace_frame.hpp"

namespace edge::node::aot {

class WasmFunctionMap {
 public:
  WasmFunctionMap() = default;
  explicit WasmFunctionMap(const edge_aot_module& module);

  // Innermost first, like `native` (return addresses, except `exact_pc`: the PC a signal
  // interrupted, which is not a return address). Names by function index, "" when unnamed.
  std::vector<TraceFrame> frames(std::span<void* const> native, const void* exact_pc,
                                 const std::vector<std::string>& names) const;

 private:
  uintptr_t text_begin_ = 0, text_end_ = 0;
  std::vector<std::pair<uintptr_t, uint32_t>> starts_;  // (function start, function index), ascending
};

}  // namespace edge::node::aot
