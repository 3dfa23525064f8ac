#pragma once
// The node side of wasm2c's runtime for compiled modules (replaces wabt's wasm-rt-impl.c):
//  - trap state is per thread: each guest call runs under its own sigsetjmp, traps longjmp back;
//  - linear memory is a 8 GiB + 64 KiB PROT_NONE reservation with only the live pages
//    accessible, so every out-of-bounds access faults; SIGSEGV/SIGBUS on a guest thread inside
//    its memory's reservation becomes an OOB trap. Reservations are pooled (no mmap per request);
//  - stack exhaustion: generated code is compiled with -fstack-clash-protection, so deep
//    recursion always touches the thread's stack guard; that fault, while the thread runs guest
//    code, is a trap (the handler runs on a per-thread alternate signal stack). Host functions
//    run only with >= 256 KiB of stack left (checked on entry), so a host function never overflows;
//  - timeouts: a watchdog thread sends a signal to a thread whose guest call passed its deadline;
//    in guest code the handler unwinds at once (guest code holds no locks and no heap state of
//    the node), in host code it only marks the thread and the trap happens when the host
//    function returns to the guest. No per-loop check, so compiled loops run at full speed.
// "In guest" is a thread-local flag: set while generated code runs, cleared inside every host
// function and runtime call (import thunks, memory, tables), so an async unwind never leaves a
// node lock or allocation half done.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "aot_abi.h"

namespace edge::node::aot {

struct GuardedResult {
  enum class Status { Ok, Trap, Timeout };
  Status status = Status::Ok;
  std::string message;  // for traps: "integer divide by zero", or a host function's message
  // Traps and timeouts: the native return addresses (the faulting PC for a fault) at the moment
  // of the trap, innermost first, up to 64; native_trace.hpp turns them into Wasm frames.
  std::vector<void*> native_trace;
  const void* signal_pc = nullptr;  // the entry of native_trace that is an exact PC, if any
};

using GuestFn = void (*)(void* arg);

// Runs fn(arg) as guest code on this thread. `memory` is the instance's memory (for telling an
// out-of-bounds fault from a node bug), may be null. `max_memory_pages` caps memories allocated
// during the call (instantiation). `frame_pointer_trace`: the code is the quick tier's (tcc), whose
// trap backtraces follow frame pointers instead of unwind tables.
GuardedResult guarded_call(GuestFn fn, void* arg, const wasm_rt_memory_t* memory,
                           std::optional<std::chrono::steady_clock::time_point> deadline,
                           uint32_t max_memory_pages = 65536, bool frame_pointer_trace = false);

// The table passed to every compiled module.
const edge_aot_host* host_table();

// memory.grow calls made by guests on this thread so far, granted or refused (pre-initialisation
// refuses a module whose _initialize asks for memory: a refused grow is state too).
uint64_t memory_grow_calls();

// How many pooled reservations are kept for reuse.
inline constexpr size_t kMemoryPoolSize = 64;

}  // namespace edge::node::aot
