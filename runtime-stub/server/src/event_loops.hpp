#pragma once
// The HTTP server's event loops, and work run on the thread that read its request (issue 28).
//
// Why inline runs: handing each request from its I/O thread to a worker and its answer back cost
// two thread wake-ups per request, a fifth of the node's time on a hello service. A request whose
// work is known to be short (a compiled service whose recent runs took microseconds) is cheaper
// run where it was read.
//
// Why they are watched: while an I/O thread runs a guest, the other connections of its loop wait.
// A run that goes past the budget computing (a service that was short until now loops: the
// owner's CPU clock tells), waits on the network, or runs ten budgets in all, gets a stand-in: a thread that runs the
// loop's handlers until the run returns, so no connection waits longer than a few budgets. Only one thread runs a
// loop's handlers at a time: the owner, or while it is held in a run, its stand-in, which leaves before the owner goes
// on. So a connection's handlers never run concurrently, and need no strand, as before.
//
// Costs when idle: nothing. The watcher ticks every millisecond only while inline runs happen, and
// sleeps when they stop (the devices run on batteries).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <time.h>

#include <boost/asio/io_context.hpp>

namespace edge::node {

// One event loop and what its owner thread's inline run looks like to the watcher.
struct alignas(64) EventLoop {
  // One thread runs it (a stand-in only while that one is held in a run), so Asio may skip the
  // bookkeeping of several threads.
  boost::asio::io_context context{1};
  // When the owner's current inline run began (steady clock, ns); 0: none. kWaiting: it waits on
  // the network, so it is stood in for at the next tick rather than at the budget.
  std::atomic<int64_t> inline_since{0};
  std::atomic<uint64_t> inline_runs{0};  // begun, ever (written by the owner only)
  std::atomic<bool> stand_in_active{false};
  std::mutex mu;
  std::condition_variable cv;
  bool stand_in_running = false;  // guarded by mu
  bool owner_back = false;        // guarded by mu: the run is over, the stand-in must leave
  static constexpr int64_t kWaiting = 1;
  // The watcher's own notes (its thread only): the owner's CPU clock, and the run it last found
  // over the budget with the CPU time the owner had used by then.
  clockid_t owner_cpu_clock{};
  bool has_cpu_clock = false;
  int64_t late_run = 0;
  int64_t late_run_cpu_ns = 0;
};

// A watched inline run on the calling I/O thread; ends with the object.
class InlineRun {
 public:
  InlineRun(InlineRun&& other) noexcept : loop_(std::exchange(other.loop_, nullptr)) {}
  InlineRun& operator=(InlineRun&&) = delete;
  ~InlineRun();
  // The run is about to wait on the network: its loop is stood in for now, not at the budget.
  void waits();

 private:
  friend std::optional<InlineRun> begin_inline_run();
  explicit InlineRun(EventLoop& loop) : loop_(&loop) {}
  EventLoop* loop_;
};

// On an event loop's own thread, outside any other inline run: a watched run. None on any other
// thread (a worker, a stand-in) or when the server runs no work inline: the caller hands the work
// to the execution pool as before.
std::optional<InlineRun> begin_inline_run();
// Whether begin_inline_run() would give a run on this thread now (it has no side effects).
bool may_run_inline_here();

using LoopFailureHandler = std::function<void(const std::string& what)>;

// The text of the exception being handled, for the log.
std::string current_exception_text();

// Owns the loops' threads and the watcher.
class EventLoops {
 public:
  // `budget` zero: no work runs inline (every begin_inline_run() says none).
  EventLoops(size_t count, std::chrono::microseconds budget, LoopFailureHandler report);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  size_t size() const { return loops_.size(); }
  uint64_t inline_runs() const;                                     // begun, since start
  uint64_t stand_ins() const { return stand_ins_started_.load(); }  // since start
  boost::asio::io_context& context(size_t i) { return loops_[i]->context; }

  void start();  // one owner thread per loop, and the watcher
  // Stops every loop and waits for the threads, except an owner held in an inline run (a guest
  // under its own time limit): that one is left behind, and the process is expected to end.
  // True when every thread was joined.
  bool stop();

 private:
  void run_owner(EventLoop& loop);
  void watch();
  void stand_in(EventLoop& loop);
  void start_stand_in_if_due(EventLoop& loop, int64_t now);
  bool any_run_active() const;

  friend class InlineRun;
  friend std::optional<InlineRun> begin_inline_run();
  friend bool may_run_inline_here();

  const std::chrono::microseconds budget_;
  const LoopFailureHandler report_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> owners_;
  std::thread watcher_;
  std::mutex mu_;  // the watcher's sleep
  std::condition_variable wake_;
  std::atomic<bool> watcher_asleep_{false};
  bool woken_ = false, stopping_ = false;  // guarded by mu_
  std::atomic<size_t> stand_ins_{0};       // running now, over all loops
  std::atomic<uint64_t> stand_ins_started_{0};
  std::condition_variable stand_ins_gone_;
};

}  // namespace edge::node
