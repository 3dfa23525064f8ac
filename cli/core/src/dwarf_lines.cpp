// DWARF line table of a Wasm module via llvm-dwarfdump (see debug_lines.hpp).
#include "edge/core/dwarf_lines.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace edge {
namespace {

// A forward reader over the module bytes; any overrun makes it fail (and stop) quietly.
struct Reader {
  std::span<const uint8_t> bytes;
  size_t pos = 0;
  bool ok = true;
  uint8_t byte() {
    if (pos >= bytes.size()) { ok = false; return 0; }
    return bytes[pos++];
  }
  uint32_t leb() {
    uint32_t result = 0;
    for (int shift = 0; shift < 35 && ok; shift += 7) {
      uint8_t b = byte();
      result |= uint32_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
    ok = false;
    return 0;
  }
  std::string name() {
    uint32_t n = leb();
    if (!ok || pos + n > bytes.size()) { ok = false; return {}; }
    std::string s(reinterpret_cast<const char*>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
  void limits() {
    uint8_t flags = byte();
    leb();
    if (flags & 1) leb();
  }
};

// Counts function imports (they come first in the function index space).
uint32_t count_func_imports(Reader r) {
  uint32_t funcs = 0;
  for (uint32_t i = 0, n = r.leb(); i < n && r.ok; ++i) {
    r.name();
    r.name();
    switch (r.byte()) {
      case 0: r.leb(); ++funcs; break;             // func: type index
      case 1: r.byte(); r.limits(); break;         // table: reftype, limits
      case 2: r.limits(); break;                   // memory
      case 3: r.byte(); r.byte(); break;           // global: valtype, mutability
      case 4: r.byte(); r.leb(); break;            // tag
      default: return funcs;
    }
  }
  return funcs;
}

// Runs llvm-dwarfdump on the module (written to a temp file) and returns its --debug-line text.
std::string dump_debug_line(std::span<const uint8_t> wasm) {
  char path[] = "/tmp/edge-node-dwarf-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {};
  bool written = ::write(fd, wasm.data(), wasm.size()) == ssize_t(wasm.size());
  ::close(fd);
  std::string out;
  if (written) {
    std::string cmd = std::string("llvm-dwarfdump-19 --debug-line ") + path + " 2>/dev/null || llvm-dwarfdump --debug-line " +
                      path + " 2>/dev/null";
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[65536];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      pclose(p);
    }
  }
  ::unlink(path);
  return out;
}

std::string quoted(const std::string& line) {
  auto a = line.find('"'), b = line.rfind('"');
  return a == std::string::npos || b <= a ? std::string() : line.substr(a + 1, b - a - 1);
}

}  // namespace

DwarfLines DwarfLines::read(std::span<const uint8_t> wasm) {
  DwarfLines table;
  Reader r{wasm, 8};
  bool has_debug_line = false;
  while (r.ok && r.pos < wasm.size()) {
    uint8_t id = r.byte();
    uint32_t size = r.leb();
    if (!r.ok || r.pos + size > wasm.size()) break;
    Reader section{wasm.subspan(0, r.pos + size), r.pos};
    if (id == 0) {
      has_debug_line |= section.name() == ".debug_line";
    } else if (id == 2) {
      table.imported_funcs_ = count_func_imports(section);
    } else if (id == 10) {
      size_t payload = section.pos;
      for (uint32_t i = 0, n = section.leb(); i < n && section.ok; ++i) {
        uint32_t body = section.leb();
        table.body_starts_.push_back(uint32_t(section.pos - payload));
        table.body_sizes_.push_back(body);
        section.pos += body;
      }
    }
    r.pos += size;
  }
  if (!has_debug_line) return table;

  // Output per unit: include_directories[ N] = "dir", file_names[ N]: name: "x" dir_index: D,
  // then rows "0xADDRESS LINE COLUMN FILE ISA DISCRIMINATOR OPINDEX FLAGS".
  std::istringstream text(dump_debug_line(wasm));
  std::map<uint32_t, std::string> dirs;
  std::map<uint32_t, std::pair<std::string, uint32_t>> files;  // index -> (name, dir index)
  uint32_t current_file = 0;
  Sequence seq;
  std::string line;
  while (std::getline(text, line)) {
    auto first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    std::string_view l(line.c_str() + first, line.size() - first);
    if (l.starts_with("debug_line[")) {
      dirs.clear();
      files.clear();
      seq = {};
    } else if (l.starts_with("include_directories[")) {
      dirs[uint32_t(std::strtoul(line.c_str() + line.find('[') + 1, nullptr, 10))] = quoted(line);
    } else if (l.starts_with("file_names[")) {
      current_file = uint32_t(std::strtoul(line.c_str() + line.find('[') + 1, nullptr, 10));
    } else if (l.starts_with("name:")) {
      files[current_file].first = quoted(line);
    } else if (l.starts_with("dir_index:")) {
      files[current_file].second = uint32_t(std::strtoul(line.c_str() + line.find(':') + 1, nullptr, 10));
    } else if (l.starts_with("0x")) {
      std::istringstream row{std::string(l)};
      uint64_t address = 0;
      int src_line = 0, column = 0;
      uint32_t file = 0;
      row >> std::hex >> address >> std::dec >> src_line >> column >> file;
      if (!row) continue;
      if (l.find("end_sequence") != std::string_view::npos) {
        // Dead code keeps its rows at a tombstone address; only sequences inside the code count.
        if (!seq.rows.empty() && address > seq.begin && address <= 0xffffff00u) {
          seq.end = uint32_t(address);
          table.sequences_.push_back(std::move(seq));
        }
        seq = {};
        continue;
      }
      if (seq.rows.empty()) seq.begin = uint32_t(address);
      // Project-relative directories ("src") help; absolute ones (SDK, libc++) only add noise.
      const auto& [name, dir_index] = files[file];
      const std::string& dir = dirs[dir_index];
      std::string path = dir.empty() || dir[0] == '/' ? name : dir + "/" + name;
      seq.rows.push_back(Row{uint32_t(address), src_line, std::move(path)});
    }
  }
  std::sort(table.sequences_.begin(), table.sequences_.end(),
            [](const Sequence& a, const Sequence& b) { return a.begin < b.begin; });
  return table;
}

std::optional<SourceLine> DwarfLines::lookup(uint32_t address) const {
  for (const Sequence& seq : sequences_) {
    if (address < seq.begin || address >= seq.end) continue;
    // The last row at or before the address with a real line (line 0: "no source", e.g. spills).
    const Row* best = nullptr;
    for (const Row& row : seq.rows) {
      if (row.address > address) break;
      if (row.line > 0) best = &row;
    }
    if (best) return SourceLine{best->file, best->line};
  }
  return std::nullopt;
}

std::optional<uint32_t> DwarfLines::function_start(uint32_t func_index) const {
  if (func_index < imported_funcs_ || func_index - imported_funcs_ >= body_starts_.size()) return std::nullopt;
  return body_starts_[func_index - imported_funcs_];
}

std::optional<SourceLine> DwarfLines::function_line(uint32_t func_index) const {
  auto start = function_start(func_index);
  if (!start) return std::nullopt;
  if (auto src = lookup(*start)) return src;
  // The line rows of a function may start after its local declarations: take its first row.
  uint32_t size = body_sizes_[func_index - imported_funcs_];
  for (const Sequence& seq : sequences_) {
    if (seq.begin < *start || seq.begin >= *start + size) continue;
    for (const Row& row : seq.rows)
      if (row.line > 0) return SourceLine{row.file, row.line};
    break;
  }
  return std::nullopt;
}

}  // namespace edge
