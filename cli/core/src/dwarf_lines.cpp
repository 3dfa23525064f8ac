// DWARF line table of a Wasm module, read in-process (see dwarf_lines.hpp).
#include "edge/core/dwarf_lines.hpp"

#include "edge/core/wasm_reader.hpp"

#include <algorithm>
#include <utility>

namespace edge {
namespace {

using Reader = wasm::Reader;
using DwarfReader = wasm::Reader;

// A NUL-terminated string at `offset` of a string section (.debug_line_str, .debug_str).
std::string string_at(std::span<const uint8_t> section, uint64_t offset) {
  std::string s;
  for (uint64_t i = offset; i < section.size() && section[i] != 0; ++i) s.push_back(char(section[i]));
  return s;
}

struct Sections {
  std::span<const uint8_t> line, line_str, str;
};

// One attribute value of a v5 directory or file entry: a string or a number, per its form.
struct FormValue {
  std::string text;
  uint64_t number = 0;
};
bool read_form(DwarfReader& r, uint64_t form, bool dwarf64, const Sections& s, FormValue& out) {
  const int offset_size = dwarf64 ? 8 : 4;
  switch (form) {
    case 0x08: out.text = r.cstr(); return r.ok;                                     // DW_FORM_string
    case 0x1f: out.text = string_at(s.line_str, r.fixed(offset_size)); return r.ok;  // DW_FORM_line_strp
    case 0x0e: out.text = string_at(s.str, r.fixed(offset_size)); return r.ok;       // DW_FORM_strp
    case 0x0f: out.number = r.uleb64(); return r.ok;                                 // DW_FORM_udata
    case 0x0b: out.number = r.fixed(1); return r.ok;                                 // DW_FORM_data1
    case 0x05: out.number = r.fixed(2); return r.ok;                                 // DW_FORM_data2
    case 0x06: out.number = r.fixed(4); return r.ok;                                 // DW_FORM_data4
    case 0x07: out.number = r.fixed(8); return r.ok;                                 // DW_FORM_data8
    case 0x1e: r.skip(16); return r.ok;                                              // DW_FORM_data16 (MD5)
    case 0x09: r.skip(r.uleb64()); return r.ok;                                      // DW_FORM_block
    default: return false;  // a form line tables do not use: stop reading this unit
  }
}

// DWARF 5 entry list: a format (content type, form pairs), then that many entries.
// DW_LNCT_path = 1, DW_LNCT_directory_index = 2.
bool read_entries(DwarfReader& r, bool dwarf64, const Sections& s, std::vector<std::pair<std::string, uint64_t>>& out) {
  std::vector<std::pair<uint64_t, uint64_t>> format(r.byte());
  for (auto& [type, form] : format) {
    type = r.uleb64();
    form = r.uleb64();
  }
  for (uint64_t i = 0, n = r.uleb64(); i < n && r.ok; ++i) {
    std::pair<std::string, uint64_t> entry;
    for (const auto& [type, form] : format) {
      FormValue v;
      if (!read_form(r, form, dwarf64, s, v)) return false;
      if (type == 1) entry.first = v.text;
      else if (type == 2) entry.second = v.number;
    }
    out.push_back(std::move(entry));
  }
  return r.ok;
}

// The line programs of .debug_line (DWARF 2 to 5), run as the DWARF standard's state machine
// (section 6.2). A unit it cannot read ends the table there: what was read stays usable.
void read_line_programs(const Sections& s, std::vector<DwarfLines::Sequence>& sequences) {
  DwarfReader r{s.line, 0};
  while (r.ok && r.pos < s.line.size()) {
    uint64_t unit_length = r.fixed(4);
    const bool dwarf64 = unit_length == 0xffffffffu;
    if (dwarf64) unit_length = r.fixed(8);
    if (!r.ok || unit_length > s.line.size() - r.pos) return;
    const size_t unit_end = r.pos + size_t(unit_length);
    DwarfReader u{s.line.subspan(0, unit_end), r.pos};
    r.pos = unit_end;

    const uint16_t version = uint16_t(u.fixed(2));
    if (version < 2 || version > 5) continue;
    if (version >= 5) u.skip(2);  // address_size, segment_selector_size
    const uint64_t header_length = u.fixed(dwarf64 ? 8 : 4);
    const size_t program_start = u.pos + size_t(header_length);
    const uint8_t min_inst_length = u.byte();
    if (version >= 4) u.byte();  // maximum_operations_per_instruction (1 outside VLIW)
    const bool default_is_stmt = u.byte() != 0;
    (void)default_is_stmt;
    const int8_t line_base = int8_t(u.byte());
    const uint8_t line_range = u.byte();
    const uint8_t opcode_base = u.byte();
    std::vector<uint8_t> standard_lengths(opcode_base ? opcode_base - 1 : 0);
    for (auto& n : standard_lengths) n = u.byte();
    if (!u.ok || line_range == 0) continue;

    // Directories and files by the index the program uses: from 0 in DWARF 5; from 1 before,
    // where directory 0 is the compilation directory, not listed.
    std::vector<std::pair<std::string, uint64_t>> dirs, files;
    if (version >= 5) {
      if (!read_entries(u, dwarf64, s, dirs) || !read_entries(u, dwarf64, s, files)) continue;
    } else {
      dirs.push_back({});
      for (std::string d; u.ok && !(d = u.cstr()).empty();) dirs.push_back({d, 0});
      files.push_back({});
      for (std::string f; u.ok && !(f = u.cstr()).empty();) {
        const uint64_t dir = u.uleb64();
        u.uleb64();  // modification time
        u.uleb64();  // length
        files.push_back({f, dir});
      }
    }
    if (!u.ok) continue;
    // Project-relative directories ("src") help; absolute ones (SDK, libc++) only add noise.
    auto path_of = [&](uint64_t file) -> std::string {
      if (file >= files.size()) return {};
      const auto& [name, dir_index] = files[file];
      const std::string dir = dir_index < dirs.size() ? dirs[dir_index].first : std::string();
      return dir.empty() || dir[0] == '/' || (!name.empty() && name[0] == '/')
                 ? name
                 : std::string(dir).append("/").append(name);
    };

    u.pos = program_start;
    uint64_t address = 0, file = 1;
    int64_t line = 1;
    DwarfLines::Sequence seq;
    auto emit = [&] {
      if (seq.rows.empty()) seq.begin = uint32_t(address);
      seq.rows.push_back({uint32_t(address), int(line), path_of(file)});
    };
    auto reset = [&] {
      address = 0;
      file = 1;
      line = 1;
      seq = {};
    };
    while (u.ok && u.pos < unit_end) {
      const uint8_t op = u.byte();
      if (op >= opcode_base) {  // special opcode: advance address and line, then a row
        const uint8_t adjusted = uint8_t(op - opcode_base);
        address += uint64_t(adjusted / line_range) * min_inst_length;
        line += line_base + adjusted % line_range;
        emit();
        continue;
      }
      switch (op) {
        case 0: {  // extended opcode
          const uint64_t len = u.uleb64();
          const size_t next = u.pos + size_t(len);
          if (len == 0 || next > unit_end) {
            u.ok = false;
            break;
          }
          const uint8_t sub = u.byte();
          if (sub == 1) {  // DW_LNE_end_sequence
            // Dead code keeps its rows at a tombstone address; only sequences inside the code count.
            if (!seq.rows.empty() && address > seq.begin && address <= 0xffffff00u) {
              seq.end = uint32_t(address);
              sequences.push_back(std::exchange(seq, {}));
            }
            reset();
          } else if (sub == 2) {  // DW_LNE_set_address
            address = u.fixed(int(len - 1));
          }
          u.pos = next;  // define_file, set_discriminator and unknown ones: skipped whole
          break;
        }
        case 1: emit(); break;                                                                   // DW_LNS_copy
        case 2: address += u.uleb64() * min_inst_length; break;                                  // DW_LNS_advance_pc
        case 3: line += u.sleb(); break;                                                         // DW_LNS_advance_line
        case 4: file = u.uleb64(); break;                                                        // DW_LNS_set_file
        case 8: address += uint64_t((255 - opcode_base) / line_range) * min_inst_length; break;  // const_add_pc
        case 9: address += u.fixed(2); break;  // DW_LNS_fixed_advance_pc
        default:  // column, stmt, basic block, prologue, epilogue, isa and unknown: skip their operands
          for (uint8_t i = 0; i < standard_lengths[op - 1] && u.ok; ++i) u.uleb64();
      }
    }
  }
}

}  // namespace

DwarfLines DwarfLines::read(std::span<const uint8_t> wasm) {
  DwarfLines table;
  Sections dwarf;
  wasm::for_each_section(wasm, [&](const wasm::Section& section) {
    if (section.id == 0) {
      if (section.name == ".debug_line") dwarf.line = section.body;
      else if (section.name == ".debug_line_str") dwarf.line_str = section.body;
      else if (section.name == ".debug_str") dwarf.str = section.body;
    } else if (section.id == 2) {
      table.imported_funcs_ = wasm::count_func_imports(section.reader());
    } else if (section.id == 10) {
      wasm::Reader code = section.reader();
      for (uint32_t i = 0, n = code.leb(); i < n && code.ok; ++i) {
        uint32_t body = code.leb();
        table.body_starts_.push_back(uint32_t(code.pos));
        table.body_sizes_.push_back(body);
        code.skip(body);
      }
    }
  });
  if (dwarf.line.empty()) return table;
  read_line_programs(dwarf, table.sequences_);
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
