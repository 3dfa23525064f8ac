#pragma once
// Maps Wasm code addresses to source file:line with the module's DWARF line table, so trap
// backtraces (node) and validation problems (CLI) of debug builds point at source lines.
//
// The table is read once per module at load time, in-process: the line programs of .debug_line
// (DWARF 2 to 5, as clang writes them for wasm32) run through the standard's state machine. It
// was llvm-dwarfdump in a shell pipe, which made the node need an LLVM tool at run time; LLVM's
// own DWARF library would add libLLVM (about 100 MB) to a node meant for small devices. Without
// DWARF the table is empty and lookups find nothing: backtraces then carry function names only.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace edge {

struct SourceLine {
  std::string file;  // as the compiler recorded it, e.g. "main.cpp"
  int line = 0;
};

class DwarfLines {
 public:
  // Reads the code layout and, if the module has .debug_line, the line table.
  static DwarfLines read(std::span<const uint8_t> wasm);

  bool empty() const { return sequences_.empty(); }
  // address: code-section-relative (DWARF addresses of Wasm are offsets from the code section's start).
  std::optional<SourceLine> lookup(uint32_t address) const;
  // Code-section-relative start of a function's body, by function index (imports have none).
  std::optional<uint32_t> function_start(uint32_t func_index) const;
  // The first source line of a function (its opening line), by function index.
  std::optional<SourceLine> function_line(uint32_t func_index) const;

 public:  // the reader fills these (dwarf_lines.cpp)
  struct Row {
    uint32_t address;
    int line;
    std::string file;
  };
  struct Sequence {
    uint32_t begin = 0, end = 0;  // [begin, end)
    std::vector<Row> rows;        // ascending address
  };

 private:
  uint32_t imported_funcs_ = 0;
  std::vector<uint32_t> body_starts_;  // by defined-function index
  std::vector<uint32_t> body_sizes_;
  std::vector<Sequence> sequences_;
};

}  // namespace edge
