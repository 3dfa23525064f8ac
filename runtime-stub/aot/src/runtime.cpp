// See runtime.hpp for the design.
#include "runtime.hpp"

#include <execinfo.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include "bounded_memory.hpp"
#include "host_imports.hpp"
#include "edge/node/guest_memory.hpp"
#include "runtime_internal.hpp"

namespace edge::node::aot {
namespace {

constexpr uint64_t kPage = 65536;
// u32 address + u32 offset reach up to 8 GiB; every access beyond the live pages faults.
constexpr uint64_t kReservation = (8ull << 30) + kPage;
constexpr size_t kAltStackSize = 64 * 1024;
constexpr uintptr_t kHostStackReserve = 256 * 1024;
// Native frames kept of a trap: enough for the Wasm frames near it, few enough for the alternate
// signal stack (stack exhaustion unwinds from there) and for a log.
constexpr int kMaxTraceFrames = 64;

// Everything the signal handlers read: plain data in static TLS (async-signal-safe to access).
struct ThreadState {
  sigjmp_buf jmp;
  volatile sig_atomic_t in_guest;
  std::atomic<bool> interrupt;  // set by the watchdog when the deadline passed
  bool ready;                   // alt stack and stack bounds done
  uintptr_t stack_lo, stack_hi;
  uintptr_t mem_lo;  // reservation of the memory of the running instance
  uint32_t max_memory_pages;
  int trap_code;
  void* trace[kMaxTraceFrames];  // native return addresses at the trap, innermost first
  int trace_count;
  void* signal_pc;           // the PC a fault or the watchdog interrupted (not a return address)
  int depth;                 // guarded calls in progress (a host call may deliver a reply: nested)
  bool frame_pointer_trace;  // the running code is the quick tier's (tcc): no unwind tables
};
thread_local ThreadState ts;
thread_local std::string host_trap_message;

// Frees the alternate signal stack when the thread ends.
struct AltStack {
  void* base = nullptr;
  ~AltStack() {
    if (!base) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
    munmap(base, kAltStackSize);
  }
};
thread_local AltStack alt_stack;

struct sigaction previous_segv, previous_bus;
int interrupt_signal() { return SIGRTMIN + 5; }

void chain(int sig, siginfo_t* info, void* uc) {
  const struct sigaction& prev = sig == SIGBUS ? previous_bus : previous_segv;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, uc);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
    prev.sa_handler(sig);
  } else {
    // Not ours: crash as without us (the faulting instruction runs again with the default action).
    signal(sig, SIG_DFL);
  }
}

// Every memory reservation in the process, for the fault handler (lock-free reads): a module
// whose memory is not exported has no memory the node can name, but its faults are still ours.
constexpr size_t kMaxReservations = 4096;
std::atomic<uintptr_t> g_reservations[kMaxReservations];

bool in_any_reservation(uintptr_t addr) {
  for (auto& r : g_reservations) {
    uintptr_t base = r.load(std::memory_order_relaxed);
    if (base && addr >= base && addr < base + kReservation) return true;
  }
  return false;
}
#if !EDGE_AOT_BOUNDS_CHECKS
void register_reservation(uint8_t* base) {
  for (auto& r : g_reservations) {
    uintptr_t expected = 0;
    if (r.compare_exchange_strong(expected, reinterpret_cast<uintptr_t>(base))) return;
  }
}
void unregister_reservation(uint8_t* base) {
  for (auto& r : g_reservations)
    if (r.load() == reinterpret_cast<uintptr_t>(base)) r.store(0);
}
#endif

// The native stack at a trap, taken before siglongjmp discards it (native_trace.hpp maps it to
// Wasm functions). glibc's backtrace() is not formally async-signal-safe only because its first
// call loads libgcc_s (dlopen, malloc): install_handlers() makes that first call. After that it
// walks .eh_frame without locks or allocation, and through the signal frame to the faulting code.
//
// The quick tier's code (tcc) has no unwind tables, so the unwinder stops at its first frame. It
// always keeps frame pointers, though, and so do the runtime functions between a trap and it
// (compiled with -fno-omit-frame-pointer): on x86-64 and AArch64 [fp] holds the caller's frame
// pointer and the word above it the return address. The walk stays inside this thread's stack and
// only goes up it; what it finds outside the module's Wasm code is dropped by native_trace.
[[maybe_unused]] int walk_frame_pointers(uintptr_t fp, int n) {
  while (n < kMaxTraceFrames && fp % sizeof(void*) == 0 && fp >= ts.stack_lo && fp + 2 * sizeof(void*) <= ts.stack_hi) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a frame pointer read from the stack or a register
    auto* const* frame = reinterpret_cast<void* const*>(fp);
    ts.trace[n++] = frame[1];
    const auto next = reinterpret_cast<uintptr_t>(frame[0]);
    if (next <= fp) break;
    fp = next;
  }
  return n;
}

__attribute__((noinline)) void capture_trace() {
#if defined(__x86_64__) || defined(__aarch64__)
  if (ts.frame_pointer_trace) {
    ts.trace_count = walk_frame_pointers(reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), 0);
    return;
  }
#endif
  ts.trace_count = backtrace(ts.trace, kMaxTraceFrames);
}

// The same, from a signal handler: also remembers the interrupted PC, which is exact (every other
// frame holds a return address, one instruction past its call).
void capture_trace(void* uc) {
  const auto* ctx = static_cast<const ucontext_t*>(uc);
#if defined(__x86_64__)
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a register holds the PC
  ts.signal_pc = reinterpret_cast<void*>(ctx->uc_mcontext.gregs[REG_RIP]);
  if (ts.frame_pointer_trace) {
    ts.trace[0] = ts.signal_pc;
    ts.trace_count = walk_frame_pointers(uintptr_t(ctx->uc_mcontext.gregs[REG_RBP]), 1);
    return;
  }
#elif defined(__aarch64__)
  ts.signal_pc = reinterpret_cast<void*>(ctx->uc_mcontext.pc);
  if (ts.frame_pointer_trace) {
    ts.trace[0] = ts.signal_pc;
    ts.trace_count = walk_frame_pointers(uintptr_t(ctx->uc_mcontext.regs[29]), 1);
    return;
  }
#elif defined(__arm__)
  ts.signal_pc = reinterpret_cast<void*>(ctx->uc_mcontext.arm_pc);
  // 32-bit ARM's unwinder (EHABI) does not walk from a signal handler through the interrupted
  // code reliably (it crashed on deep recursion under qemu): the exact PC, the innermost frame.
  ts.trace[0] = ts.signal_pc;
  ts.trace_count = 1;
  return;
#else
  (void)ctx;
#endif
  capture_trace();
}

void on_fault(int sig, siginfo_t* info, void* uc) {
  if (ts.in_guest) {
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    // Below the stack's low end is its guard (the kernel keeps a 1 MiB gap).
    if (ts.stack_lo && addr + (2u << 20) >= ts.stack_lo && addr < ts.stack_lo + 65536) {
      ts.in_guest = 0;
      capture_trace(uc);  // on the alternate stack: the frame cap keeps the unwinder's use small
      siglongjmp(ts.jmp, WASM_RT_TRAP_EXHAUSTION);
    }
    // With bounds checks the generated code never touches memory out of bounds: a fault there is
    // not the guest's.
    if (!EDGE_AOT_BOUNDS_CHECKS &&
        ((ts.mem_lo && addr >= ts.mem_lo && addr < ts.mem_lo + kReservation) || in_any_reservation(addr))) {
      ts.in_guest = 0;
      capture_trace(uc);
      siglongjmp(ts.jmp, WASM_RT_TRAP_OOB);
    }
  }
  chain(sig, info, uc);
}

void on_interrupt(int, siginfo_t*, void* uc) {
  if (ts.in_guest && ts.interrupt.load(std::memory_order_relaxed)) {
    ts.in_guest = 0;
    capture_trace(uc);  // guest code holds no locks: the unwinder cannot deadlock here
    siglongjmp(ts.jmp, rt::kTimeout);
  }
  // In host code: leave_host() traps when the host function returns. A stale signal: ignored.
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    void* warm_up[1];
    backtrace(warm_up, 1);  // loads libgcc_s now, not inside a signal handler (see capture_trace)
    struct sigaction sa{};
    sa.sa_sigaction = on_fault;
    // SA_NODEFER: we leave the handler with siglongjmp and no saved mask, so the signal must not
    // stay blocked. SA_ONSTACK: stack overflow needs the alternate stack.
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_segv);
    sigaction(SIGBUS, &sa, &previous_bus);
    struct sigaction si{};
    si.sa_sigaction = on_interrupt;
    si.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&si.sa_mask);
    sigaction(interrupt_signal(), &si, nullptr);
  });
}

void prepare_thread() {
  if (ts.ready) return;
  install_handlers();
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
    void* base = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base != MAP_FAILED) {
      stack_t st{};
      st.ss_sp = base;
      st.ss_size = kAltStackSize;
      if (sigaltstack(&st, nullptr) == 0) alt_stack.base = base;
      else munmap(base, kAltStackSize);
    }
  }
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      ts.stack_lo = reinterpret_cast<uintptr_t>(addr);
      ts.stack_hi = ts.stack_lo + size;
    }
    pthread_attr_destroy(&attr);
  }
  ts.ready = true;
}

// --- the watchdog: one thread for the process, woken at the earliest deadline ---
class Watchdog {
 public:
  static Watchdog& get() {
    static Watchdog* w = new Watchdog;  // never destroyed: threads may still disarm at exit
    return *w;
  }
  void arm(ThreadState* t, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lock(mu_);
    entries_.push_back({t, pthread_self(), deadline, false});
    if (deadline < next_wake_) cv_.notify_one();
  }
  void disarm(ThreadState* t) {
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const Entry& e) { return e.state == t; });
    t->interrupt.store(false);  // after this no signal is sent; a late one finds the flag down
  }

 private:
  struct Entry {
    ThreadState* state;
    pthread_t thread;
    std::chrono::steady_clock::time_point deadline;
    bool fired;
  };
  Watchdog() {
    std::thread([this] { run(); }).detach();
  }
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      next_wake_ = std::chrono::steady_clock::time_point::max();
      for (auto& e : entries_) {
        if (e.deadline <= now) {
          // Re-sent every 10 ms while the thread is still in host code or between calls.
          e.state->interrupt.store(true);
          pthread_kill(e.thread, interrupt_signal());
          e.deadline = now + std::chrono::milliseconds(10);
        }
        next_wake_ = std::min(next_wake_, e.deadline);
      }
      if (next_wake_ == std::chrono::steady_clock::time_point::max()) cv_.wait(lock);
      else cv_.wait_until(lock, next_wake_);
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
  std::chrono::steady_clock::time_point next_wake_ = std::chrono::steady_clock::time_point::max();
};

#if !EDGE_AOT_BOUNDS_CHECKS  // else bounded_memory.cpp
// --- memory: pooled guard-page reservations ---
std::mutex pool_mu;
std::vector<uint8_t*> pool;  // each: reservation with pages [0, 0) accessible... see take()
std::vector<uint64_t> pool_rw;

// A reservation whose first `bytes` are read-write and zero, the rest PROT_NONE; null on failure.
uint8_t* take_reservation(uint64_t bytes) {
  uint8_t* base = nullptr;
  uint64_t rw = 0;
  {
    std::lock_guard lock(pool_mu);
    if (!pool.empty()) {
      base = pool.back();
      rw = pool_rw.back();
      pool.pop_back();
      pool_rw.pop_back();
    }
  }
  if (!base) {
    void* p = mmap(nullptr, kReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    base = static_cast<uint8_t*>(p);
    register_reservation(base);
  }
  if (rw < bytes) {
    if (mprotect(base + rw, bytes - rw, PROT_READ | PROT_WRITE) != 0) {
      unregister_reservation(base);
      munmap(base, kReservation);
      return nullptr;
    }
  } else if (rw > bytes) {
    mprotect(base + bytes, rw - bytes, PROT_NONE);
  }
  return base;
}

// Back to the pool, zeroed. Small memories are cleared with memset and stay resident, so the
// next instance takes no page faults (faults and MADV_DONTNEED were 40% of a hello request);
// beyond kResidentReset the rest is dropped with MADV_DONTNEED (it reads as zero again).
constexpr uint64_t kResidentReset = 2u << 20;
void return_reservation(uint8_t* base, uint64_t bytes) {
  uint64_t keep = std::min(bytes, kResidentReset);
  if (keep) std::memset(base, 0, keep);
  if (bytes > keep) madvise(base + keep, bytes - keep, MADV_DONTNEED);
  std::lock_guard lock(pool_mu);
  if (pool.size() < kMemoryPoolSize) {
    pool.push_back(base);
    pool_rw.push_back(bytes);
    return;
  }
  unregister_reservation(base);
  munmap(base, kReservation);
}
#endif

[[noreturn]] void trap_now(int code) {
  ts.in_guest = 0;
  capture_trace();
  siglongjmp(ts.jmp, code);
}

// --- the host table ---
void host_trap_fn(wasm_rt_trap_t code) { trap_now(code); }

thread_local uint64_t grow_calls = 0;

#if !EDGE_AOT_BOUNDS_CHECKS
void allocate_memory(wasm_rt_memory_t* mem, uint32_t initial, uint32_t max) {
  bool prev = rt::enter_host(true);
  max = std::min({max, ts.max_memory_pages, 65536u});
  if (initial > max) {
    host_trap_message = "the module needs " + std::to_string(initial) + " pages of memory; the limit is " +
                        std::to_string(max) + " (EDGE_MAX_MEMORY_MB)";
    trap_now(rt::kHostTrap);
  }
  if (!guest_memory::take(uint64_t(initial) * kPage)) {
    host_trap_message = rt::budget_spent_message(uint64_t(initial) * kPage);
    trap_now(rt::kHostTrap);
  }
  uint8_t* base = take_reservation(uint64_t(initial) * kPage);
  if (!base) {
    guest_memory::give_back(uint64_t(initial) * kPage);
    host_trap_message = "cannot reserve memory for the instance";
    trap_now(rt::kHostTrap);
  }
  mem->data = base;
  mem->pages = initial;
  mem->max_pages = max;
  mem->size = uint32_t(uint64_t(initial) * kPage);  // 65536 pages: wraps like wasm2c's own (4 GiB)
  ts.mem_lo = reinterpret_cast<uintptr_t>(base);
  rt::leave_host(prev);
}

uint32_t grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  bool prev = rt::enter_host(true);
  ++grow_calls;
  uint32_t old_pages = mem->pages;
  uint64_t new_pages = uint64_t(old_pages) + delta;
  uint32_t result = old_pages;
  if (new_pages > mem->max_pages) {
    result = uint32_t(-1);
  } else if (delta > 0) {
    if (!guest_memory::take(uint64_t(delta) * kPage)) {
      result = uint32_t(-1);  // the node-wide budget: as a grow past the instance's own cap
    } else if (mprotect(mem->data + uint64_t(old_pages) * kPage, uint64_t(delta) * kPage, PROT_READ | PROT_WRITE) !=
               0) {
      guest_memory::give_back(uint64_t(delta) * kPage);
      result = uint32_t(-1);
    } else {
      mem->pages = uint32_t(new_pages);
      mem->size = uint32_t(new_pages * kPage);
    }
  }
  rt::leave_host(prev);
  return result;
}

void free_memory(wasm_rt_memory_t* mem) {
  bool prev = rt::enter_host(false);
  if (mem->data) {
    return_reservation(mem->data, uint64_t(mem->pages) * kPage);
    guest_memory::give_back(uint64_t(mem->pages) * kPage);
  }
  mem->data = nullptr;
  rt::leave_host(prev);
}
#else
uint32_t grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  ++grow_calls;
  return bounded::grow_memory(mem, delta);
}
#endif

void* alloc_zeroed(size_t bytes) {
  bool prev = rt::enter_host(true);
  void* p = calloc(1, bytes);
  rt::leave_host(prev);
  return p;
}
void* resize(void* p, size_t bytes) {
  bool prev = rt::enter_host(true);
  void* q = realloc(p, bytes);
  rt::leave_host(prev);
  return q;
}
void release(void* p) {
  bool prev = rt::enter_host(false);
  free(p);
  rt::leave_host(prev);
}

}  // namespace

namespace rt {

bool enter_host(bool check_stack) {
  bool prev = ts.in_guest;
  if (prev && check_stack) {
    char probe;
    auto sp = reinterpret_cast<uintptr_t>(&probe);
    if (ts.stack_lo && sp < ts.stack_lo + kHostStackReserve) trap_now(WASM_RT_TRAP_EXHAUSTION);
  }
  ts.in_guest = 0;
  return prev;
}

void leave_host(bool previous) {
  if (previous && ts.interrupt.load(std::memory_order_relaxed)) trap_now(kTimeout);
  ts.in_guest = previous;
}

std::string budget_spent_message(uint64_t wanted) {
  return "the node's guest memory budget is spent (edge-node --guest-memory-mb " +
         std::to_string(guest_memory::limit() >> 20) + "): the instance needs " + std::to_string(wanted >> 10) +
         " KiB, other instances hold " + std::to_string(guest_memory::in_use() >> 20) + " MiB";
}

void set_host_trap_message(std::string_view message) noexcept {
  try {
    host_trap_message.assign(message);
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the trap keeps its generic message
  }
}

void host_trap() { trap_now(kHostTrap); }

uint32_t max_memory_pages() { return ts.max_memory_pages; }

}  // namespace rt

GuardedResult guarded_call(GuestFn fn, void* arg, const wasm_rt_memory_t* memory,
                           std::optional<std::chrono::steady_clock::time_point> deadline, uint32_t max_memory_pages,
                           bool frame_pointer_trace) {
  prepare_thread();
  // A host call may run guest code again (a reply delivered while the guest waits in
  // mk_module_api_request): the outer call's jump buffer and state are kept aside and put back,
  // and the watchdog stays armed for the outermost call's deadline.
  struct Outer {
    sigjmp_buf jmp;
    uintptr_t mem_lo;
    uint32_t max_memory_pages;
    sig_atomic_t in_guest;
    bool frame_pointer_trace;
  };
  std::optional<Outer> outer;
  if (ts.depth > 0) {
    outer.emplace();
    std::memcpy(outer->jmp, ts.jmp, sizeof(sigjmp_buf));
    outer->mem_lo = ts.mem_lo;
    outer->max_memory_pages = ts.max_memory_pages;
    outer->in_guest = ts.in_guest;
    outer->frame_pointer_trace = ts.frame_pointer_trace;
  }
  ts.frame_pointer_trace = frame_pointer_trace;
  ++ts.depth;
  ts.mem_lo = memory && memory->data ? reinterpret_cast<uintptr_t>(memory->data) : 0;
  ts.max_memory_pages = max_memory_pages;
  ts.trap_code = 0;
  ts.trace_count = 0;
  ts.signal_pc = nullptr;
  const bool arm = deadline && !outer;
  if (arm) Watchdog::get().arm(&ts, *deadline);
  int code = sigsetjmp(ts.jmp, 0);
  if (code == 0) {
    ts.in_guest = 1;
    if (ts.interrupt.load(std::memory_order_relaxed)) trap_now(rt::kTimeout);
    fn(arg);
    ts.in_guest = 0;
  }
  ts.trap_code = code;
  if (arm) Watchdog::get().disarm(&ts);
  --ts.depth;
  if (outer) {
    std::memcpy(ts.jmp, outer->jmp, sizeof(sigjmp_buf));
    ts.mem_lo = outer->mem_lo;
    ts.frame_pointer_trace = outer->frame_pointer_trace;
    ts.max_memory_pages = outer->max_memory_pages;
    ts.in_guest = outer->in_guest;
  }
  GuardedResult r;
  if (ts.trap_code == 0) return r;
  if (ts.trap_code == rt::kTimeout) {
    r.native_trace.assign(ts.trace, ts.trace + ts.trace_count);
    r.signal_pc = ts.signal_pc;
    r.status = GuardedResult::Status::Timeout;
    r.message = "timeout";
    return r;
  }
  r.native_trace.assign(ts.trace, ts.trace + ts.trace_count);
  r.signal_pc = ts.signal_pc;
  r.status = GuardedResult::Status::Trap;
  switch (ts.trap_code) {
    case rt::kHostTrap: r.message = host_trap_message; break;
    case WASM_RT_TRAP_OOB: r.message = "out of bounds memory access"; break;
    case WASM_RT_TRAP_INT_OVERFLOW: r.message = "integer overflow"; break;
    case WASM_RT_TRAP_DIV_BY_ZERO: r.message = "integer divide by zero"; break;
    case WASM_RT_TRAP_INVALID_CONVERSION: r.message = "invalid conversion to integer"; break;
    case WASM_RT_TRAP_UNREACHABLE: r.message = "unreachable executed"; break;
    case WASM_RT_TRAP_CALL_INDIRECT: r.message = "indirect call type mismatch or null"; break;
    case WASM_RT_TRAP_EXHAUSTION: r.message = "call stack exhausted"; break;
    default: r.message = "trap " + std::to_string(ts.trap_code); break;
  }
  return r;
}

uint64_t memory_grow_calls() { return grow_calls; }

const edge_aot_host* host_table() {
  static const edge_aot_host table = [] {
    edge_aot_host t{};
    t.abi = EDGE_AOT_ABI;
    t.trap = host_trap_fn;
#if EDGE_AOT_BOUNDS_CHECKS
    t.allocate_memory = bounded::allocate_memory;
    t.grow_memory = grow_memory;  // counts, then bounded::grow_memory
    t.free_memory = bounded::free_memory;
#else
    t.allocate_memory = allocate_memory;
    t.grow_memory = grow_memory;
    t.free_memory = free_memory;
#endif
    t.alloc_zeroed = alloc_zeroed;
    t.resize = resize;
    t.release = release;
    auto imports = host_import_thunks();
    t.imports = imports.data();
    t.import_count = uint32_t(imports.size());
    return t;
  }();
  return &table;
}

}  // namespace edge::node::aot
