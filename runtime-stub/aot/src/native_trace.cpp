#include "native_trace.hpp"

#include <algorithm>

namespace edge::node::aot {
namespace {

// A Thumb function's address has bit 0 set (32-bit ARM); its code, and every PC in it, starts
// one byte lower.
#if defined(__arm__)
constexpr uintptr_t kThumbBit = 1;
#else
constexpr uintptr_t kThumbBit = 0;
#endif

}  // namespace

WasmFunctionMap::WasmFunctionMap(const edge_aot_module& module) {
  if (module.func_count == 0 || !module.func_text) return;
  text_begin_ = reinterpret_cast<uintptr_t>(module.func_text[0]);
  text_end_ = reinterpret_cast<uintptr_t>(module.func_text[1]);
  starts_.reserve(module.func_count);
  for (uint32_t i = 0; i < module.func_count; ++i)
    starts_.emplace_back(reinterpret_cast<uintptr_t>(module.func_addrs[i]) & ~kThumbBit, module.first_func_index + i);
  std::sort(starts_.begin(), starts_.end());
}

std::vector<TraceFrame> WasmFunctionMap::frames(std::span<void* const> native, const void* exact_pc,
                                                const std::vector<std::string>& names) const {
  std::vector<TraceFrame> out;
  for (void* p : native) {
    auto pc = reinterpret_cast<uintptr_t>(p);
    // A return address follows its call, which may be a function's last instruction (a call to
    // the noreturn wasm_rt_trap): look one byte back to stay inside the calling function.
    if (p != exact_pc && pc > 0) --pc;
    if (pc < text_begin_ || pc >= text_end_) continue;
    auto it = std::upper_bound(starts_.begin(), starts_.end(), std::make_pair(pc, UINT32_MAX));
    if (it == starts_.begin()) continue;
    TraceFrame frame;
    frame.func_index = std::prev(it)->second;
    if (frame.func_index < names.size()) frame.name = names[frame.func_index];
    out.push_back(std::move(frame));
  }
  return out;
}

}  // namespace edge::node::aot
