// wabt::interp behind GuestInstance. Compiled as C++17.
#include "wabt_guest.hpp"

#include "edge/node/guest_memory.hpp"

#include "edge/core/wasm_func_names.hpp"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include "wabt/binary-reader-nop.h"
#include "wabt/binary-reader.h"
#include "wabt/ir.h"
#include "wabt/error-formatter.h"
#include "wabt/interp/binary-reader-interp.h"
#include "wabt/interp/interp.h"

namespace edge::node::interp {

namespace wi = wabt::interp;

struct ParsedModule {
  wi::ModuleDesc desc;
  std::vector<std::string> func_names;  // by function index, demangled; empty strings when unnamed
  // Per defined function: (istream offset of an instruction, its code-section-relative Wasm
  // offset), ascending. Rebuilt by aligning the two instruction streams (see map_code_offsets).
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> code_maps;
};

// ---- reaching wabt's private Thread call API ----
// wabt only offers Func::Call, which runs to completion. To stop endless loops we need to push
// the call and run the thread in slices of instructions, checking the deadline between slices.
// PushValues/PushCall/PopValues are private; explicit template instantiation may name private
// members (C++ [temp.explicit]), which is the standard way to reach them without patching wabt.
namespace {

using PushValuesFn = void (wi::Thread::*)(const wi::ValueTypes&, const wi::Values&);
using PushCallFn = wi::RunResult (wi::Thread::*)(const wi::DefinedFunc&, wi::Trap::Ptr*);
using PopValuesFn = void (wi::Thread::*)(const wi::ValueTypes&, wi::Values*);

template <class Tag>
struct Private {
  static typename Tag::type ptr;
};
template <class Tag>
typename Tag::type Private<Tag>::ptr;

template <class Tag, typename Tag::type P>
struct Steal {
  Steal() { Private<Tag>::ptr = P; }
  static Steal instance;
};
template <class Tag, typename Tag::type P>
Steal<Tag, P> Steal<Tag, P>::instance;

struct PushValuesTag {
  using type = PushValuesFn;
};
struct PushCallTag {
  using type = PushCallFn;
};
struct PopValuesTag {
  using type = PopValuesFn;
};
// The frames a trap captured (wabt keeps them private and never prints them).
struct TrapTraceTag {
  using type = std::vector<wi::Frame> wi::Trap::*;
};
template struct Steal<TrapTraceTag, &wi::Trap::trace_>;
template struct Steal<PushValuesTag, &wi::Thread::PushValues>;
template struct Steal<PushCallTag, static_cast<PushCallFn>(&wi::Thread::PushCall)>;
template struct Steal<PopValuesTag, &wi::Thread::PopValues>;

// ---- binding host functions generically from their C++ signatures ----
template <class T>
wabt::Type wasm_type() {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>, "ABI uses i32/i64 only");
  return std::is_same_v<T, int32_t> ? wabt::Type::I32 : wabt::Type::I64;
}
template <class T>
T get_arg(const wi::Value& v) {
  if constexpr (std::is_same_v<T, int32_t>) return int32_t(v.Get<wi::u32>());
  else return int64_t(v.Get<wi::u64>());
}

template <class R, class... Args, size_t... I>
wi::HostFunc::Ptr bind(wi::Store& store, HostContext& ctx, R (*fn)(HostContext&, Args...), std::index_sequence<I...>) {
  wi::ValueTypes params{wasm_type<Args>()...};
  wi::ValueTypes results;
  if constexpr (!std::is_void_v<R>) results.push_back(wasm_type<R>());
  wi::FuncType type(params, results);
  HostContext* c = &ctx;
  return wi::HostFunc::New(
      store, type,
      [c, fn](wi::Thread& thread, const wi::Values& in, wi::Values& out, wi::Trap::Ptr* trap) -> wabt::Result {
        // Host functions throw HostTrap for guest faults; nothing may unwind through wabt's frames.
        try {
          if constexpr (std::is_void_v<R>) {
            fn(*c, get_arg<Args>(in[I])...);
          } else {
            R r = fn(*c, get_arg<Args>(in[I])...);
            out[0] = wi::Value::Make(std::conditional_t<std::is_same_v<R, int32_t>, wi::u32, wi::u64>(r));
          }
          return wabt::Result::Ok;
        } catch (const HostTrap& e) {
          *trap = wi::Trap::New(thread.store(), e.what());
        } catch (const std::exception& e) {
          *trap = wi::Trap::New(thread.store(), std::string("host error: ") + e.what());
        }
        return wabt::Result::Error;
      });
}

template <class R, class... Args>
wi::HostFunc::Ptr bind(wi::Store& store, HostContext& ctx, R (*fn)(HostContext&, Args...)) {
  return bind(store, ctx, fn, std::index_sequence_for<Args...>{});
}

class WabtInstance final : public GuestInstance {
 public:
  WabtInstance() : store_(wabt::Features{}) {}
  ~WabtInstance() override { guest_memory::give_back(charged_); }

  // A frame's pc (the istream offset just past its current instruction: the trapping one, or
  // the call) as a Wasm code offset: the instruction that starts before it.
  std::optional<uint32_t> code_offset(uint32_t func_index, uint32_t pc) const {
    uint32_t imported = 0;
    for (const auto& import : module_->desc().imports)
      if (import.type.type->kind == wabt::ExternalKind::Func) ++imported;
    if (func_index < imported || func_index - imported >= parsed_->code_maps.size()) return std::nullopt;
    const auto& map = parsed_->code_maps[func_index - imported];
    auto it = std::lower_bound(map.begin(), map.end(), std::make_pair(pc, uint32_t(0)));
    if (it == map.begin()) return std::nullopt;
    return std::prev(it)->second;
  }

  // wabt frames -> function indexes, names and (approximate) code offsets.
  std::vector<TraceFrame> backtrace(const std::vector<wi::Frame>& frames) const {
    std::vector<TraceFrame> out;
    const auto& funcs = instance_->funcs();
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      TraceFrame frame;
      for (size_t i = 0; i < funcs.size(); ++i) {
        if (funcs[i] == it->func) {
          frame.func_index = uint32_t(i);
          if (i < parsed_->func_names.size()) frame.name = parsed_->func_names[i];
          frame.code_offset = code_offset(uint32_t(i), it->offset);
          break;
        }
      }
      out.push_back(std::move(frame));
    }
    return out;
  }

  Status init(const ParsedModule& parsed, HostContext& ctx, const InstanceLimits& limits) {
    parsed_ = &parsed;
    wi::ModuleDesc desc = parsed.desc;  // wabt's Module owns its desc
    for (auto& mem : desc.memories) {
      auto& lim = mem.type.limits;
      if (lim.initial > limits.max_memory_pages) {
        return make_error(ErrorKind::Refused, "the module needs " + std::to_string(lim.initial) +
                                                  " initial memory pages, over the limit of " +
                                                  std::to_string(limits.max_memory_pages) + " (EDGE_MAX_MEMORY_MB)");
      }
      if (!lim.has_max || lim.max > limits.max_memory_pages) {
        lim.max = limits.max_memory_pages;
        lim.has_max = true;
      }
      // The node-wide budget, for the initial memory (wabt grows it inside the interpreter).
      const uint64_t bytes = lim.initial * 65536;
      if (!guest_memory::take(bytes))
        return make_error(ErrorKind::Refused, "the node's guest memory budget is spent (edge-node --guest-memory-mb " +
                                                  std::to_string(guest_memory::limit() >> 20) + ")");
      charged_ += bytes;
    }
    module_ = wi::Module::New(store_, std::move(desc));

    wi::RefVec imports;
    for (const auto& import : module_->desc().imports) {
      wi::HostFunc::Ptr found;
      bool name_known = false;
      visit_host_imports([&](const char* mod, const char* name, auto fn) {
        if (found || import.type.module != mod || import.type.name != name) return;
        name_known = true;
        found = bind(store_, ctx, fn);
      });
      if (!found || import.type.type->kind != wabt::ExternalKind::Func) {
        return make_error(ErrorKind::Invalid,
                          "unknown import " + import.type.module + "." + import.type.name +
                              (name_known ? " (not a function)" : " (not part of ABI 2.0.0 or WASI preview1)"));
      }
      imports.push_back(found.ref());
    }
    wi::Trap::Ptr trap;
    instance_ = wi::Instance::Instantiate(store_, module_.ref(), imports, &trap);
    if (!instance_) {
      return make_error(ErrorKind::Refused,
                        trap ? "instantiation trapped: " + trap->message() : std::string("instantiation failed"));
    }
    const auto& exports = module_->export_types();
    for (size_t i = 0; i < exports.size(); ++i) {
      if (exports[i].type->kind == wabt::ExternalKind::Memory && !memory_)
        memory_ = store_.UnsafeGet<wi::Memory>(instance_->exports()[i]);
    }
    if (!memory_ && !instance_->memories().empty()) memory_ = store_.UnsafeGet<wi::Memory>(instance_->memories()[0]);
    return ok();
  }

  MemoryView memory() override {
    if (!memory_) return {};
    return MemoryView{memory_->UnsafeData(), memory_->ByteSize()};
  }

  bool has_export(const std::string& name) const override { return bool(find_func(name)); }

  CallResult call_export(const std::string& name, const std::vector<int64_t>& args, Deadline deadline) override {
    CallResult result;
    wi::DefinedFunc::Ptr func = find_func(name);
    if (!func) {
      result.status = CallResult::Status::MissingExport;
      result.message = "the module does not export function " + name;
      return result;
    }
    const wi::FuncType& type = func->type();
    if (type.params.size() != args.size()) {
      result.status = CallResult::Status::MissingExport;
      result.message = "export " + name + " has " + std::to_string(type.params.size()) + " parameters, expected " +
                       std::to_string(args.size());
      return result;
    }
    wi::Values params;
    for (size_t i = 0; i < args.size(); ++i) {
      if (type.params[i] == wabt::Type::I32) params.push_back(wi::Value::Make(wi::u32(args[i])));
      else params.push_back(wi::Value::Make(wi::u64(args[i])));
    }

    // A fresh Thread per call: its stacks are bounded (wabt traps "call stack exhausted").
    wi::Thread thread(store_);
    wi::Trap::Ptr trap;
    (thread.*Private<PushValuesTag>::ptr)(type.params, params);
    wi::RunResult run = (thread.*Private<PushCallTag>::ptr)(*func, &trap);
    constexpr int kSlice = 200'000;  // instructions between deadline checks (~1 ms)
    while (run == wi::RunResult::Ok) {
      run = thread.Run(kSlice, &trap);
      if (run == wi::RunResult::Ok && deadline && std::chrono::steady_clock::now() >= *deadline) {
        result.status = CallResult::Status::Timeout;
        result.message = "deadline exceeded";
        return result;
      }
    }
    if (run == wi::RunResult::Trap) {
      result.status = CallResult::Status::Trap;
      result.message = trap ? trap->message() : std::string("trap");
      if (trap) result.backtrace = backtrace((*trap).*Private<TrapTraceTag>::ptr);
      return result;
    }
    if (run == wi::RunResult::Exception) {
      result.status = CallResult::Status::Trap;
      result.message = "uncaught exception";
      return result;
    }
    wi::Values results;
    (thread.*Private<PopValuesTag>::ptr)(type.results, &results);
    if (!results.empty()) {
      if (type.results[0] == wabt::Type::I32) result.value = int64_t(int32_t(results[0].Get<wi::u32>()));
      else if (type.results[0] == wabt::Type::I64) result.value = int64_t(results[0].Get<wi::u64>());
    }
    return result;
  }

 private:
  wi::DefinedFunc::Ptr find_func(const std::string& name) const {
    const auto& exports = module_->export_types();
    for (size_t i = 0; i < exports.size(); ++i) {
      if (exports[i].name == name && exports[i].type->kind == wabt::ExternalKind::Func) {
        wi::Ref ref = instance_->exports()[i];
        if (store_.Is<wi::DefinedFunc>(ref)) return store_.UnsafeGet<wi::DefinedFunc>(ref);
      }
    }
    return {};
  }

  const ParsedModule* parsed_ = nullptr;  // outlived: the factory holds the shared_ptr
  mutable wi::Store store_;
  wi::Module::Ptr module_;
  wi::Instance::Ptr instance_;
  wi::Memory::Ptr memory_;
  uint64_t charged_ = 0;  // of the node-wide guest memory budget
};

// Every instruction of every function body: code-section-relative offset (inside the
// instruction: enough for a line table) and opcode.
class OpcodeRecorder : public wabt::BinaryReaderNop {
 public:
  std::vector<std::vector<std::pair<uint32_t, wabt::Opcode>>> funcs;
  wabt::Result BeginCodeSection(wabt::Offset) override {
    code_start_ = state->offset;
    return wabt::Result::Ok;
  }
  wabt::Result BeginFunctionBody(wabt::Index, wabt::Offset) override {
    funcs.emplace_back();
    return wabt::Result::Ok;
  }
  wabt::Result OnOpcode(wabt::Opcode op) override {
    if (!funcs.empty()) funcs.back().emplace_back(uint32_t(state->offset - code_start_), op);
    return wabt::Result::Ok;
  }

 private:
  wabt::Offset code_start_ = 0;
};

bool interp_only(wabt::Opcode op) {
  switch (op) {
    case wabt::Opcode::InterpAlloca:
    case wabt::Opcode::InterpBrUnless:
    case wabt::Opcode::InterpCallImport:
    case wabt::Opcode::InterpData:
    case wabt::Opcode::InterpDropKeep:
    case wabt::Opcode::InterpCatchDrop:
    case wabt::Opcode::InterpAdjustFrameForReturnCall: return true;
    default: return false;
  }
}

// wabt compiles Wasm into its own instruction stream and keeps no map back. Both streams keep
// the original order and (mostly) the original opcodes, so each istream instruction is matched
// to the next Wasm instruction with the same opcode a few steps ahead. Interpreter-only ops
// and rewritten ones (br_if -> br_unless + br) are skipped or matched close by: a good enough
// map for source lines, not an exact one.
std::vector<std::vector<std::pair<uint32_t, uint32_t>>> map_code_offsets(const uint8_t* data, size_t size,
                                                                         const wi::ModuleDesc& desc) {
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> maps;
  OpcodeRecorder recorder;
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, false, true, false);
  if (wabt::Failed(wabt::ReadBinary(data, size, &recorder, options))) return maps;
  if (recorder.funcs.size() != desc.funcs.size()) return maps;
  constexpr size_t kLookahead = 8;
  for (size_t f = 0; f < desc.funcs.size(); ++f) {
    const auto& wasm_ops = recorder.funcs[f];
    std::vector<std::pair<uint32_t, uint32_t>> map;
    wi::Istream::Offset pc = desc.funcs[f].code_offset;
    wi::Istream::Offset end = f + 1 < desc.funcs.size() ? desc.funcs[f + 1].code_offset : desc.istream.end();
    size_t cursor = 0;
    while (pc < end && cursor < wasm_ops.size()) {
      wi::Istream::Offset at = pc;
      wi::Instr instr = desc.istream.Read(&pc);
      if (interp_only(instr.op)) continue;
      for (size_t k = cursor; k < wasm_ops.size() && k < cursor + kLookahead; ++k) {
        if (wasm_ops[k].second == instr.op) {
          map.emplace_back(at, wasm_ops[k].first);
          cursor = k + 1;
          break;
        }
      }
    }
    maps.push_back(std::move(map));
  }
  return maps;
}

}  // namespace

Result<std::shared_ptr<const ParsedModule>> parse_module(const uint8_t* data, size_t size) {
  auto parsed = std::make_shared<ParsedModule>();
  wabt::Errors errors;
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/true, /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(wi::ReadBinaryInterp("module.wasm", data, size, options, &errors, &parsed->desc))) {
    std::string why = wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return make_error(ErrorKind::Invalid, why.empty() ? "not a valid WebAssembly module" : why);
  }
  parsed->func_names = read_wasm_func_names(data, size);
  parsed->code_maps = map_code_offsets(data, size, parsed->desc);
  return std::shared_ptr<const ParsedModule>(std::move(parsed));
}

Result<std::unique_ptr<GuestInstance>> instantiate(const std::shared_ptr<const ParsedModule>& module, HostContext& ctx,
                                                   const InstanceLimits& limits) {
  auto instance = std::make_unique<WabtInstance>();
  if (auto st = instance->init(*module, ctx, limits); !st) return st.error();
  return std::unique_ptr<GuestInstance>(std::move(instance));
}

}  // namespace edge::node::interp
