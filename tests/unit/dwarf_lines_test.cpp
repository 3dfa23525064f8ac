// The in-process DWARF line reader (cli/core/src/dwarf_lines.cpp) against llvm-dwarfdump, the
// reference: for modules clang built with DWARF (-O0 and -O2, so plain and special opcodes, several
// files and sequences; DWARF 4 and 5 headers), every address the tool lists has its line.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "edge/core/dwarf_lines.hpp"
#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {

struct OracleRow {
  uint64_t address;
  int line;
  uint32_t file;
};

struct OracleSequence {
  std::vector<OracleRow> rows;
  uint64_t end = 0;  // the end_sequence row's address
};

// llvm-dwarfdump --debug-line's rows ("0xADDRESS LINE COLUMN FILE ..."), by sequence; sequences
// of dead code (at the tombstone address) are dropped, as the reader drops them.
std::vector<OracleSequence> oracle_sequences(const std::string& text) {
  std::vector<OracleSequence> out;
  OracleSequence seq;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("0x")) continue;
    std::istringstream row(line);
    OracleRow r{};
    int column = 0;
    row >> std::hex >> r.address >> std::dec >> r.line >> column >> r.file;
    if (line.find("end_sequence") != std::string::npos) {
      seq.end = r.address;
      if (!seq.rows.empty() && r.address <= 0xffffff00u) out.push_back(std::move(seq));
      seq = {};
      continue;
    }
    seq.rows.push_back(r);
  }
  return out;
}

void check_against_dwarfdump(const fs::path& wasm) {
  const auto bytes = read_file(wasm);
  REQUIRE_MESSAGE(!bytes.empty(), wasm << " was not built");
  auto dump = run({"llvm-dwarfdump-19", "--debug-line", wasm.string()});
  if (dump.exit_code != 0) dump = run({"llvm-dwarfdump", "--debug-line", wasm.string()});
  if (dump.exit_code != 0) {
    skip_test("llvm-dwarfdump (Debian's llvm-19), the reference this test compares with, is not installed");
    return;
  }
  const auto table =
      edge::DwarfLines::read(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  REQUIRE_FALSE(table.empty());
  const auto sequences = oracle_sequences(dump.out);
  // Linked code may keep the line program of a function the linker dropped at a low address, so
  // two sequences can cover one address: such addresses have no single answer and are skipped.
  auto covering = [&](uint64_t address) {
    return std::count_if(sequences.begin(), sequences.end(),
                         [&](const OracleSequence& s) { return address >= s.rows.front().address && address < s.end; });
  };
  size_t checked = 0, ambiguous = 0;
  for (const auto& seq : sequences) {
    for (size_t i = 0; i < seq.rows.size(); ++i) {
      const auto& row = seq.rows[i];
      // The row that decides an address is the last one there with a real line (line 0 is "no
      // source"); look up each address once, at its last row.
      if (i + 1 < seq.rows.size() && seq.rows[i + 1].address == row.address) continue;
      if (row.address >= seq.end) continue;
      const OracleRow* decides = nullptr;
      for (size_t j = 0; j <= i; ++j)
        if (seq.rows[j].line > 0) decides = &seq.rows[j];
      if (!decides) continue;
      if (covering(row.address) != 1) {
        ++ambiguous;
        continue;
      }
      auto found = table.lookup(uint32_t(row.address));
      CAPTURE(row.address);
      REQUIRE(found.has_value());
      CHECK(found->line == decides->line);
      ++checked;
    }
  }
  MESSAGE(wasm.filename().string() << ": " << checked << " addresses agree with llvm-dwarfdump (" << ambiguous
                                   << " covered by two sequences, skipped)");
  CHECK(checked > 50);
}

}  // namespace

TEST_CASE("the DWARF line table read in-process agrees with llvm-dwarfdump: -O0, -O2, DWARF 4 and 5") {
  check_against_dwarfdump(fs::path(EDGE_TEST_WASM_DIR) / "dwarf_rest_kv_O0.wasm");
  check_against_dwarfdump(fs::path(EDGE_TEST_WASM_DIR) / "dwarf_rest_kv_O2.wasm");
  check_against_dwarfdump(fs::path(EDGE_TEST_WASM_DIR) / "dwarf_rest_kv_O2-dwarf5.wasm");
}

TEST_CASE("a module without DWARF, or with a damaged line table, gives an empty table, not a crash") {
  const auto bytes = read_file(fs::path(EDGE_TEST_WASM_DIR) / "dwarf_rest_kv_O0.wasm");
  REQUIRE(!bytes.empty());
  std::vector<uint8_t> wasm(bytes.begin(), bytes.end());
  // Every byte of the .debug_line payload flipped in turn would take long; corrupt a spread of them.
  const std::string marker = ".debug_line";
  auto at = std::search(wasm.begin(), wasm.end(), marker.begin(), marker.end());
  REQUIRE(at != wasm.end());
  const size_t start = size_t(at - wasm.begin()) + marker.size();
  for (size_t i = start; i < std::min(wasm.size(), start + 4000); i += 7) {
    auto damaged = wasm;
    damaged[i] ^= 0xff;
    auto table = edge::DwarfLines::read(damaged);
    (void)table.lookup(100);
  }
  const std::vector<uint8_t> no_dwarf = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  CHECK(edge::DwarfLines::read(no_dwarf).empty());
}
