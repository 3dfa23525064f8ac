// Reads Wasm modules with wabt's binary reader and validator (libwabt.a, no tool output parsed)
// and checks them against the ABI described once in sdk/include/edge/abi.def.
#include "edge/core/wasm_inspect.hpp"

#include "edge/core/dwarf_lines.hpp"

#include <fmt/core.h>
#include <wabt/binary-reader-ir.h>
#include <wabt/binary-reader-nop.h>
#include <wabt/binary-reader.h>
#include <wabt/cast.h>
#include <wabt/config.h>
#include <wabt/expr-visitor.h>
#include <wabt/feature.h>
#include <wabt/ir.h>
#include <wabt/validator.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace edge {
namespace {

constexpr std::string_view kSdkFix = "build the module with the edge SDK (ABI 2.0.0): `edge build`";

abi::ValType to_val_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32: return abi::ValType::I32;
    case wabt::Type::I64: return abi::ValType::I64;
    case wabt::Type::F32: return abi::ValType::F32;
    // v128 and reference types never occur in the ABI, which uses i32/i64 only: reporting them
    // as f64 keeps the comparison failing, as it must.
    default: return abi::ValType::F64;
  }
}

abi::FuncSig to_sig(const wabt::FuncSignature& s) {
  abi::FuncSig sig;
  for (auto t : s.param_types) sig.params.push_back(to_val_type(t));
  for (auto t : s.result_types) sig.results.push_back(to_val_type(t));
  return sig;
}

ExternKind to_kind(wabt::ExternalKind k) {
  switch (k) {
    case wabt::ExternalKind::Func: return ExternKind::Func;
    case wabt::ExternalKind::Table: return ExternKind::Table;
    case wabt::ExternalKind::Memory: return ExternKind::Memory;
    case wabt::ExternalKind::Global: return ExternKind::Global;
    case wabt::ExternalKind::Tag: return ExternKind::Tag;
  }
  return ExternKind::Func;
}

// wabt stores names read from the name section as "$name".
std::string plain_name(const std::string& n) { return !n.empty() && n[0] == '$' ? n.substr(1) : n; }

// The IR reader drops custom sections; DWARF lives in ".debug_*" ones, so list their names.
class CustomSectionNames : public wabt::BinaryReaderNop {
 public:
  std::vector<std::string> names;
  wabt::Result BeginCustomSection(wabt::Index, wabt::Offset, std::string_view name) override {
    names.emplace_back(name);
    return wabt::Result::Ok;
  }
  // DWARF addresses of Wasm are relative to the code section's contents.
  wabt::Offset code_start = 0;
  wabt::Result BeginCodeSection(wabt::Offset) override {
    code_start = state->offset;
    return wabt::Result::Ok;
  }
};

// A call of an imported function: callee, caller, and the call's file offset.
struct CallSite {
  uint32_t callee, caller;
  wabt::Offset offset;
};

// Records which defined functions call which imported ones: the "called from" of a problem.
class CallCollector : public wabt::ExprVisitor::DelegateNop {
 public:
  CallCollector(const wabt::Module& m, uint32_t caller, std::map<uint32_t, std::set<uint32_t>>& callers,
                std::vector<CallSite>& sites)
      : module_(m), caller_(caller), callers_(callers), sites_(sites) {}
  wabt::Result OnCallExpr(wabt::CallExpr* e) override { return note(e->var, e->loc); }
  wabt::Result OnReturnCallExpr(wabt::ReturnCallExpr* e) override { return note(e->var, e->loc); }

 private:
  wabt::Result note(const wabt::Var& v, const wabt::Location& loc) {
    auto index = module_.GetFuncIndex(v);
    if (index < module_.num_func_imports) {
      callers_[index].insert(caller_);
      if (loc.offset != wabt::kInvalidOffset) sites_.push_back(CallSite{index, caller_, loc.offset});
    }
    return wabt::Result::Ok;
  }
  const wabt::Module& module_;
  uint32_t caller_;
  std::map<uint32_t, std::set<uint32_t>>& callers_;
  std::vector<CallSite>& sites_;
};

std::string format_errors(const wabt::Errors& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (e.error_level != wabt::ErrorLevel::Error) continue;
    if (!out.empty()) out += "; ";
    out += e.message;
    if (e.loc.offset != wabt::kInvalidOffset) out += fmt::format(" (at byte 0x{:x})", e.loc.offset);
  }
  return out.empty() ? "unknown error" : out;
}

// "mk_module_abi_version_2_0_0" -> "2.0.0"
std::string marker_version(std::string_view export_name) {
  std::string v(export_name.substr(abi::kVersionMarkerPrefix.size()));
  std::replace(v.begin(), v.end(), '_', '.');
  return v;
}

const WasmExport* find_export(const ModuleInfo& info, std::string_view name) {
  for (const auto& e : info.exports)
    if (e.name == name) return &e;
  return nullptr;
}

std::string env_import_names() {
  std::string s;
  for (const auto& f : abi::env_imports()) s += (s.empty() ? "" : ", ") + std::string(f.name);
  return s;
}

std::vector<SourceLocation> used_at(const ModuleInfo& info, uint32_t func_index) {
  std::vector<SourceLocation> out;
  if (auto sites = info.call_sites.find(func_index); sites != info.call_sites.end()) return sites->second;
  auto it = info.callers.find(func_index);
  if (it == info.callers.end()) return out;
  for (auto caller : it->second) {
    auto name = info.function_name(caller);
    out.push_back(SourceLocation{name.empty() ? fmt::format("function #{}", caller) : name, {}, 0});
  }
  return out;
}

void check_import(const ModuleInfo& info, const WasmImport& imp, std::vector<Problem>& problems) {
  Problem p;
  p.subject = "import " + imp.module + "." + imp.name;
  if (imp.kind != ExternKind::Func) {
    p.message = fmt::format("imports a {}; the node provides only functions", to_string(imp.kind));
    p.fix = fmt::format("let the module define and export its own {} (do not link with --import-{})",
                        to_string(imp.kind), to_string(imp.kind));
    problems.push_back(std::move(p));
    return;
  }
  const auto* expected = abi::find_import(imp.module, imp.name);
  if (expected && expected->sig == imp.sig) return;
  if (expected) {
    p.message =
        fmt::format("wrong signature: expected {}, found {}", abi::to_string(expected->sig), abi::to_string(imp.sig));
    p.fix = "declare it exactly as sdk/include/edge/abi.def does, or " + std::string(kSdkFix);
  } else if (imp.module == abi::kEnvModule && imp.name == "api_request") {
    p.message = "an ABI 1.0.0 import; ABI 2.0.0 uses env.mk_module_api_request";
    p.fix = std::string(kSdkFix);
  } else if (imp.module == abi::kEnvModule) {
    p.message = fmt::format("not part of ABI {}", abi::kVersion);
    p.fix = fmt::format("remove the call or define the function in the module (the host offers only {})",
                        env_import_names());
  } else if (imp.module == abi::kWasiModule) {
    p.message = "not a wasi_snapshot_preview1 function";
    p.fix = "remove the call; the node provides WASI preview1 only";
  } else {
    p.message =
        fmt::format("module `{}` is not provided by edgeEngine (only env and {})", imp.module, abi::kWasiModule);
    p.fix = "remove the code that imports it or link its implementation into the module";
  }
  p.used_at = used_at(info, imp.func_index);
  problems.push_back(std::move(p));
}

void check_function_export(const ModuleInfo& info, std::string_view name, const abi::FuncSig& sig, std::string_view why,
                           std::vector<Problem>& problems) {
  Problem p;
  p.subject = "export " + std::string(name);
  const auto* e = find_export(info, name);
  if (!e) {
    p.message = fmt::format("missing: expected a function {} ({})", abi::to_string(sig), why);
    p.fix = fmt::format(
        "define and export `{}` (the edge SDK's ABI layer does: include <edge/edge.hpp> and `edge build`)", name);
  } else if (e->kind != ExternKind::Func) {
    p.message = fmt::format("is a {}, expected a function {}", to_string(e->kind), abi::to_string(sig));
    p.fix = fmt::format("export a function named `{}`", name);
  } else if (e->sig != sig) {
    p.message = fmt::format("wrong signature: expected {}, found {}", abi::to_string(sig), abi::to_string(e->sig));
    p.fix = "define it exactly as sdk/include/edge/abi.def does, or " + std::string(kSdkFix);
  } else {
    return;
  }
  problems.push_back(std::move(p));
}

std::string_view why_export(std::string_view name) {
  if (name == "mk_module_on_event") return "the host delivers each HTTP request through it";
  if (name == "mk_module_on_api_response") return "the host delivers replies to host calls through it";
  if (name.starts_with(abi::kVersionMarkerPrefix)) return "the marker of the ABI version the module speaks";
  return "required by the ABI";
}

}  // namespace

std::string_view to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "function";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "?";
}

std::string SourceLocation::to_string() const {
  std::string where = file.empty() ? "" : (line ? fmt::format("{}:{}", file, line) : file);
  if (function.empty()) return where;
  return where.empty() ? function : function + " at " + where;
}

std::string Problem::to_string() const {
  std::string s = subject + ": " + message;
  if (!used_at.empty()) {
    s += " (called from ";
    for (size_t i = 0; i < used_at.size(); ++i) s += (i ? ", " : "") + used_at[i].to_string();
    s += ")";
  }
  if (!fix.empty()) s += " — fix: " + fix;
  return s;
}

std::string ModuleInfo::function_name(uint32_t func_index) const {
  auto it = function_names.find(func_index);
  return it == function_names.end() ? std::string() : it->second;
}

bool ModuleInfo::is_reactor() const {
  return std::any_of(exports.begin(), exports.end(), [](const WasmExport& e) { return e.name == abi::kReactorEntry; });
}
bool ModuleInfo::is_command() const {
  return std::any_of(exports.begin(), exports.end(), [](const WasmExport& e) { return e.name == abi::kCommandEntry; });
}

Result<ModuleInfo> inspect_module(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kMagic[4] = {0x00, 'a', 's', 'm'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 4) != 0)
    return make_error("not a WebAssembly module (it does not start with the \\0asm header)",
                      "pass a .wasm file, such as build/<name>.wasm made by `edge build`");

  wabt::Features features;  // wabt's defaults: the MVP plus the post-MVP features clang emits
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/true,
                                  /*stop_on_first_error=*/true, /*fail_on_custom_section_error=*/false);
  wabt::Errors errors;
  wabt::Module module;
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", bytes.data(), bytes.size(), options, &errors, &module)))
    return make_error("not a valid WebAssembly module: " + format_errors(errors),
                      "rebuild it; the file may be truncated or not made for wasm32");
  if (wabt::Failed(wabt::ValidateModule(&module, &errors, wabt::ValidateOptions(features))))
    return make_error("the module does not validate: " + format_errors(errors),
                      "rebuild it with a wasm32-wasi toolchain (`edge doctor` checks yours)");

  ModuleInfo info;
  info.size_bytes = bytes.size();

  CustomSectionNames customs;
  if (wabt::Succeeded(wabt::ReadBinary(bytes.data(), bytes.size(), &customs, options)))
    info.custom_sections = std::move(customs.names);
  info.has_dwarf = std::any_of(info.custom_sections.begin(), info.custom_sections.end(),
                               [](const std::string& n) { return n.starts_with(".debug_"); });

  uint32_t func_import_index = 0;
  for (const wabt::Import* imp : module.imports) {
    WasmImport out{imp->module_name, imp->field_name, to_kind(imp->kind()), {}, 0};
    if (const auto* f = wabt::dyn_cast<wabt::FuncImport>(imp)) {
      out.sig = to_sig(f->func.decl.sig);
      out.func_index = func_import_index++;
    }
    info.imports.push_back(std::move(out));
  }

  for (uint32_t i = 0; i < module.funcs.size(); ++i) {
    auto name = plain_name(module.funcs[i]->name);
    if (!name.empty()) info.function_names[i] = std::move(name);
  }

  std::map<uint32_t, std::set<uint32_t>> callers;
  std::vector<CallSite> sites;
  for (uint32_t i = module.num_func_imports; i < module.funcs.size(); ++i) {
    CallCollector collector(module, i, callers, sites);
    wabt::ExprVisitor visitor(&collector);
    (void)visitor.VisitFunc(module.funcs[i]);
  }
  for (auto& [callee, set] : callers) info.callers[callee].assign(set.begin(), set.end());
  // Source lines are looked up (the DWARF line table read once) only for calls of imports the ABI does
  // not allow: those are all a report names, and a valid debug build validates without it.
  std::erase_if(sites, [&](const CallSite& site) {
    for (const auto& imp : info.imports) {
      if (imp.kind != ExternKind::Func || imp.func_index != site.callee) continue;
      const auto* allowed = abi::find_import(imp.module, imp.name);
      return allowed && allowed->sig == imp.sig;
    }
    return false;
  });
  if (info.has_dwarf && !sites.empty()) {
    DwarfLines lines = DwarfLines::read(bytes);
    for (const CallSite& site : sites) {
      // The reader's offset is just past the call instruction: its last byte is inside it.
      auto src = site.offset > customs.code_start ? lines.lookup(uint32_t(site.offset - 1 - customs.code_start))
                                                  : std::nullopt;
      if (!src) continue;
      auto name = info.function_name(site.caller);
      SourceLocation where{name.empty() ? fmt::format("function #{}", site.caller) : name, src->file,
                           uint32_t(src->line)};
      auto& list = info.call_sites[site.callee];
      bool seen = std::any_of(list.begin(), list.end(),
                              [&](const SourceLocation& l) { return l.file == where.file && l.line == where.line; });
      if (!seen) list.push_back(std::move(where));
    }
  }

  for (const wabt::Export* e : module.exports) {
    WasmExport out{e->name, to_kind(e->kind), {}};
    if (e->kind == wabt::ExternalKind::Func) {
      if (const auto* f = module.GetFunc(e->var)) out.sig = to_sig(f->decl.sig);
    }
    if (e->name.starts_with(abi::kVersionMarkerPrefix) && (info.abi_version.empty() || e->name == abi::kVersionMarker))
      info.abi_version = marker_version(e->name);
    info.exports.push_back(std::move(out));
  }

  if (!module.memories.empty()) {
    const auto& limits = module.memories[0]->page_limits;
    info.memory_min_pages = static_cast<uint32_t>(limits.initial);
    if (limits.has_max) info.memory_max_pages = static_cast<uint32_t>(limits.max);
  }
  return info;
}

std::vector<Problem> check_abi(const ModuleInfo& info) {
  std::vector<Problem> problems;
  for (const auto& imp : info.imports) check_import(info, imp, problems);

  // A module of another ABI version gets one line saying so, not a list of missing exports.
  bool other_version = !info.abi_version.empty() && info.abi_version != abi::kVersion;
  if (other_version) {
    std::string marker = std::string(abi::kVersionMarkerPrefix) + info.abi_version;
    std::replace(marker.begin() + abi::kVersionMarkerPrefix.size(), marker.end(), '.', '_');
    problems.push_back(Problem{"export " + marker,
                               fmt::format("the module speaks ABI {}; edgeEngine's serverless ABI {} expects {}",
                                           info.abi_version, abi::kVersion, abi::kVersionMarker),
                               std::string(kSdkFix),
                               {}});
  }

  for (const auto& f : abi::required_exports()) {
    if (other_version && f.name == abi::kVersionMarker) continue;
    check_function_export(info, f.name, f.sig, why_export(f.name), problems);
  }

  const auto* memory = find_export(info, abi::kMemoryExport);
  if (!memory || memory->kind != ExternKind::Memory) {
    problems.push_back(Problem{
        "export memory",
        memory ? fmt::format("is a {}, expected the module's linear memory", to_string(memory->kind))
               : std::string("missing: the host exchanges requests and replies through the exported linear memory"),
        "export the linear memory as `memory` (wasm-ld does unless linked with --import-memory)",
        {}});
  }

  const auto* reactor = find_export(info, abi::kReactorEntry);
  const auto* command = find_export(info, abi::kCommandEntry);
  const abi::FuncSig entry_sig{};
  if (!reactor && !command) {
    problems.push_back(Problem{"export _initialize/_start",
                               "missing: the module exports neither _initialize (reactor) nor _start (command)",
                               "link with -mexec-model=reactor (what `edge build` does) or give the module a main()",
                               {}});
  } else {
    for (const auto* entry : {reactor, command})
      if (entry) check_function_export(info, entry->name, entry_sig, "the module's entry point", problems);
  }
  return problems;
}

std::string_view wabt_version() { return WABT_VERSION_STRING; }

ValidationReport validate_module(std::span<const uint8_t> bytes) {
  ValidationReport report;
  auto info = inspect_module(bytes);
  if (!info) {
    report.problems.push_back(Problem{"module", info.error().message, info.error().hint, {}});
    return report;
  }
  report.problems = check_abi(*info);
  report.info = std::move(*info);
  return report;
}

}  // namespace edge
