#pragma once
// Reading and checking Wasm modules with wabt's binary reader and validator (libwabt.a):
// what `edge build`/`edge validate`/`edge inspect` report and what the node checks on upload.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edge/core/abi.hpp"
#include "edge/core/result.hpp"

namespace edge {

enum class ExternKind { Func, Table, Memory, Global, Tag };
std::string_view to_string(ExternKind k);

struct WasmImport {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  abi::FuncSig sig;         // for functions
  uint32_t func_index = 0;  // for functions: index in the function index space
};

struct WasmExport {
  std::string name;
  ExternKind kind = ExternKind::Func;
  abi::FuncSig sig;  // for functions
};

// Where in the source a function comes from, when the module carries names or DWARF.
struct SourceLocation {
  std::string function;  // from the name section
  std::string file;      // from DWARF, may be empty
  uint32_t line = 0;
  std::string to_string() const;
};

struct ModuleInfo {
  size_t size_bytes = 0;
  std::vector<WasmImport> imports;
  std::vector<WasmExport> exports;
  std::map<uint32_t, std::string> function_names;  // name section
  bool has_dwarf = false;
  std::optional<uint32_t> memory_min_pages, memory_max_pages;
  std::string abi_version;                   // from the mk_module_abi_version_X_Y_Z marker; empty if none
  std::vector<std::string> custom_sections;  // names, in order ("name", ".debug_info", ...)
  // For each imported function (by function index): the defined functions that call it.
  std::map<uint32_t, std::vector<uint32_t>> callers;
  // With DWARF (debug builds): for each imported function the ABI does not allow, where it is
  // called (caller + file:line).
  std::map<uint32_t, std::vector<SourceLocation>> call_sites;
  std::string function_name(uint32_t func_index) const;  // "" when the module has no name for it
  bool is_reactor() const;                               // exports _initialize
  bool is_command() const;                               // exports _start
};

struct Problem {
  std::string subject;                  // "import env.not_in_abi", "export mk_module_on_event", "module"
  std::string message;                  // what is wrong: expected vs found
  std::string fix;                      // what to do
  std::vector<SourceLocation> used_at;  // functions that call an offending import
  std::string to_string() const;        // one line
};

struct ValidationReport {
  std::optional<ModuleInfo> info;  // absent when the bytes are not a readable module
  std::vector<Problem> problems;
  bool ok() const { return info.has_value() && problems.empty(); }
};

// Reads the module (wabt binary reader + validator); Error if it is not valid Wasm.
Result<ModuleInfo> inspect_module(std::span<const uint8_t> bytes);
// Checks imports and exports against the ABI (sdk/include/edge/abi.def).
std::vector<Problem> check_abi(const ModuleInfo& info);
// Both of the above: a report for any bytes.
ValidationReport validate_module(std::span<const uint8_t> bytes);

// The version of the libwabt linked in (e.g. "1.0.32"), for `edge doctor`.
std::string_view wabt_version();

}  // namespace edge
