#pragma once
// Pieces of runtime.cpp the import thunks (host_imports.cpp) need.
#include <cstdint>
#include <string>
#include <string_view>

#include "aot_abi.h"

namespace edge::node::aot::rt {

// Status codes carried by siglongjmp besides wasm_rt_trap_t values.
inline constexpr int kHostTrap = 100;
inline constexpr int kTimeout = 101;

// Entering node code from guest code: clears "in guest", returns the previous state. With
// check_stack, traps (exhaustion) when less than 256 KiB of stack is left.
bool enter_host(bool check_stack);
// Back to guest code: restores the flag, and traps with a timeout if the watchdog fired meanwhile.
void leave_host(bool previous);
// The trap message of an instance the node-wide guest memory budget cannot start.
std::string budget_spent_message(uint64_t wanted);
// Remember why a host function trapped (call inside the catch block; no unwinding after).
void set_host_trap_message(std::string_view message) noexcept;
// Unwinds to the guarded call with kHostTrap (no C++ objects may be live in the caller's frame).
[[noreturn]] void host_trap();
// The page limit of memories allocated in the running guarded call (EDGE_MAX_MEMORY_MB).
uint32_t max_memory_pages();

}  // namespace edge::node::aot::rt
