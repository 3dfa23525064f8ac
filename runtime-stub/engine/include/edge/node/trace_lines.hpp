#pragma once
// Source lines for a trap backtrace, shared by the engines: a frame with a code offset gets the
// exact line (interpreter), a frame without one gets its function's first line and says so
// (line_is_entry), which is all a compiled tier can tell.
#include <vector>

#include "edge/core/dwarf_lines.hpp"
#include "edge/node/trace_frame.hpp"

namespace edge::node {

inline void annotate_source_lines(const DwarfLines& lines, std::vector<TraceFrame>& frames) {
  if (lines.empty()) return;
  for (TraceFrame& frame : frames) {
    auto src = frame.code_offset ? lines.lookup(*frame.code_offset) : lines.function_line(frame.func_index);
    if (!src) continue;
    frame.file = src->file;
    frame.line = src->line;
    frame.line_is_entry = !frame.code_offset;
  }
}

}  // namespace edge::node
