#include "host_imports.hpp"

#include <exception>
#include <type_traits>

#include "edge/node/guest.hpp"
#include "runtime_internal.hpp"

namespace edge::node::aot {
namespace {

// Called from compiled code: marks the thread as in host code, runs the host function, turns a
// HostTrap (or any exception) into a trap without letting C++ unwinding cross generated frames.
template <auto F>
struct Thunk;
template <class R, class... A, R (*F)(HostContext&, A...)>
struct Thunk<F> {
  static R call(void* ctx, A... args) {
    bool prev = rt::enter_host(true);
    bool trapped = false;
    std::conditional_t<std::is_void_v<R>, int, R> result{};
    try {
      if constexpr (std::is_void_v<R>) F(*static_cast<HostContext*>(ctx), args...);
      else result = F(*static_cast<HostContext*>(ctx), args...);
    } catch (const std::exception& e) {
      rt::set_host_trap_message(e.what());
      trapped = true;
    } catch (...) {
      rt::set_host_trap_message("host function failed");
      trapped = true;
    }
    if (trapped) rt::host_trap();  // nothing with a destructor is alive here
    rt::leave_host(prev);
    if constexpr (!std::is_void_v<R>) return result;
  }
};

// abi.def's imports, "env" first then WASI: the order of abi::env_imports() + abi::wasi_imports(),
// which the generated glue follows (import_slots.cpp).
const void* const kThunks[] = {
#define EDGE_ABI_IMPORT(name, result, params) reinterpret_cast<const void*>(&Thunk<&host_env::name>::call),
#include "edge/abi.def"
#define EDGE_WASI_IMPORT(name, result, params) reinterpret_cast<const void*>(&Thunk<&host_wasi::name>::call),
#include "edge/abi.def"
};

}  // namespace

std::span<const void* const> host_import_thunks() { return kThunks; }

}  // namespace edge::node::aot
