#include "event_loops.hpp"

#include <exception>
#include <system_error>

namespace edge::node {

namespace {

constexpr auto kTick = std::chrono::milliseconds(1);
// No inline run began for this long: the watcher sleeps until the next one.
constexpr auto kQuietBeforeSleep = std::chrono::milliseconds(100);

thread_local EventLoop* owned_loop = nullptr;  // the loop this thread owns, if it is an owner
thread_local EventLoops* loops_of_thread = nullptr;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Time `clock` (a thread's CPU clock) has counted, in ns; 0 when it cannot be read.
int64_t cpu_ns(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

bool may_run_inline_here() {
  return owned_loop && loops_of_thread->budget_.count() > 0 &&
         owned_loop->inline_since.load(std::memory_order_relaxed) == 0;
}

std::optional<InlineRun> begin_inline_run() {
  if (!may_run_inline_here()) return std::nullopt;
  EventLoop* loop = owned_loop;
  EventLoops* loops = loops_of_thread;
  loop->inline_since.store(now_ns());
  loop->inline_runs.store(loop->inline_runs.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // Rare: the first run after a quiet spell wakes the watcher (see watch()).
  if (loops->watcher_asleep_.load()) {
    std::lock_guard lock(loops->mu_);
    loops->woken_ = true;
    loops->wake_.notify_one();
  }
  return InlineRun(*loop);
}

void InlineRun::waits() {
  if (loop_) loop_->inline_since.store(EventLoop::kWaiting);
}

InlineRun::~InlineRun() {
  if (!loop_) return;
  // The watcher stores stand_in_active and then reads inline_since; this thread does the
  // opposite. With both sequentially consistent, at least one sees the other's write: either
  // this thread sees the stand-in and waits for it to leave, or the watcher sees the run is over
  // and starts none.
  loop_->inline_since.store(0);
  if (!loop_->stand_in_active.load()) return;
  std::unique_lock lock(loop_->mu);
  if (!loop_->stand_in_running) return;
  loop_->owner_back = true;
  loop_->cv.wait(lock, [this] { return !loop_->stand_in_running; });
  loop_->owner_back = false;
}

EventLoops::EventLoops(size_t count, std::chrono::microseconds budget, LoopFailureHandler report)
    : budget_(budget), report_(std::move(report)) {
  for (size_t i = 0; i < count; ++i) loops_.push_back(std::make_unique<EventLoop>());
}

EventLoops::~EventLoops() { stop(); }

void EventLoops::start() {
  for (auto& loop : loops_) owners_.emplace_back([this, &loop = *loop] { run_owner(loop); });
  if (budget_.count() > 0) watcher_ = std::thread([this] { watch(); });
}

void EventLoops::run_owner(EventLoop& loop) {
  owned_loop = &loop;
  loops_of_thread = this;
  {
    std::lock_guard lock(loop.mu);  // read by the watcher under the same lock
    loop.has_cpu_clock = pthread_getcpuclockid(pthread_self(), &loop.owner_cpu_clock) == 0;
  }
  // The last line of defence, under each request's own: an exception out of a handler is
  // reported and the loop goes on (Asio allows run() to be called again).
  for (;;) {
    try {
      loop.context.run();
      return;
    } catch (...) {
      report_("in an event loop: " + current_exception_text());
    }
  }
}

uint64_t EventLoops::inline_runs() const {
  uint64_t total = 0;
  for (const auto& loop : loops_)
    if (loop) total += loop->inline_runs.load(std::memory_order_relaxed);
  return total;
}

bool EventLoops::any_run_active() const {
  for (const auto& loop : loops_)
    if (loop->inline_since.load() != 0) return true;
  return false;
}

void EventLoops::watch() {
  std::unique_lock lock(mu_);
  uint64_t seen = inline_runs();
  int64_t quiet_since = now_ns();
  while (!stopping_) {
    // A plain sleep, not a wait on wake_: a condition variable's wake-up takes its mutex back
    // marked as contended, which costs a second system call on every tick.
    lock.unlock();
    std::this_thread::sleep_for(kTick);
    const int64_t now = now_ns();
    for (auto& loop : loops_) start_stand_in_if_due(*loop, now);
    lock.lock();
    if (stopping_) break;
    if (const uint64_t total = inline_runs(); total != seen) {
      seen = total;
      quiet_since = now;
      continue;
    }
    if (now - quiet_since < std::chrono::nanoseconds(kQuietBeforeSleep).count()) continue;
    // Quiet: sleep until a run begins. Stored before the check, as begin_inline_run() stores
    // inline_since before it reads watcher_asleep_: a run that begins meanwhile is seen here, or
    // sees this and wakes the watcher.
    watcher_asleep_.store(true);
    if (!any_run_active()) wake_.wait(lock, [this] { return stopping_ || woken_; });
    woken_ = false;
    watcher_asleep_.store(false);
    seen = inline_runs();
    quiet_since = now_ns();
  }
}

// A run past the budget gets a stand-in when it spends that time computing (its thread used a
// budget of CPU since the watcher first found it late), when it waits (kWaiting), or in any case
// at ten budgets. A run that is late only because its thread was not scheduled (two cores, and
// guests looping on both) is left alone: a stand-in would wait for a core just the same, and
// each costs a thread start and a hand-back.
void EventLoops::start_stand_in_if_due(EventLoop& loop, int64_t now) {
  const int64_t since = loop.inline_since.load();
  const int64_t budget = std::chrono::nanoseconds(budget_).count();
  if (since == 0 || now - since < budget) return;
  std::lock_guard lock(loop.mu);
  if (loop.stand_in_running) return;
  if (since != EventLoop::kWaiting && now - since < 10 * budget && loop.has_cpu_clock) {
    const int64_t used = cpu_ns(loop.owner_cpu_clock);
    if (loop.late_run != since) {  // first found late: note where its CPU time stands
      loop.late_run = since;
      loop.late_run_cpu_ns = used;
      return;
    }
    if (used - loop.late_run_cpu_ns < budget) return;
  }
  loop.stand_in_active.store(true);
  if (loop.inline_since.load() != since) {  // the run ended meanwhile (see ~InlineRun)
    loop.stand_in_active.store(false);
    return;
  }
  loop.stand_in_running = true;
  loop.owner_back = false;
  {
    std::lock_guard count(mu_);
    ++stand_ins_;
  }
  try {
    std::thread([this, &loop] { stand_in(loop); }).detach();
    ++stand_ins_started_;
  } catch (const std::system_error& e) {
    // No thread to be had (out of threads or memory): the run goes on unwatched, as a worker's
    // would; the owner, when back, must not wait for a stand-in that never came.
    loop.stand_in_running = false;
    loop.stand_in_active.store(false);
    std::lock_guard count(mu_);
    --stand_ins_;
    report_(std::string("cannot start a stand-in for a busy event loop: ") + e.what());
  }
}

void EventLoops::stand_in(EventLoop& loop) {
  // Not an owner: no inline runs here, so a stand-in never needs one of its own.
  for (;;) {
    {
      std::lock_guard lock(loop.mu);
      if (loop.owner_back) break;
    }
    if (loop.context.stopped()) break;
    try {
      loop.context.run_one_for(kTick);  // at least every tick, a look at whether the owner is back
    } catch (...) {
      report_("in an event loop's stand-in: " + current_exception_text());
    }
  }
  {
    std::lock_guard lock(loop.mu);
    loop.stand_in_running = false;
    loop.stand_in_active.store(false);
    loop.cv.notify_all();
  }
  std::lock_guard lock(mu_);
  --stand_ins_;
  stand_ins_gone_.notify_all();  // under the lock: stop() may destroy this object once it sees 0
}

bool EventLoops::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && owners_.empty()) return true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  for (auto& loop : loops_) loop->context.stop();
  {
    std::unique_lock lock(mu_);
    stand_ins_gone_.wait(lock, [this] { return stand_ins_ == 0; });
  }
  bool all = true;
  for (size_t i = 0; i < owners_.size(); ++i) {
    if (loops_[i]->inline_since.load() != 0) {
      owners_[i].detach();
      (void)loops_[i].release();  // its thread still runs a guest and will touch it: kept for good
      all = false;
    } else {
      owners_[i].join();
    }
  }
  owners_.clear();
  return all;
}

}  // namespace edge::node
