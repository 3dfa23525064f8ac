#include "execution_pool.hpp"

#include <cstdio>

#include <algorithm>
#include <limits>
#include <thread>
#include <vector>

namespace edge::node {

ExecutionPool::ExecutionPool(size_t threads, size_t max_threads, size_t max_queued, size_t max_queued_per_owner)
    : target_(std::max<size_t>(1, threads)),
      max_threads_(std::max(target_, max_threads)),
      max_queued_(max_queued),
      max_queued_per_owner_(std::max<size_t>(1, max_queued_per_owner)) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < target_; ++i) start_thread();
}

ExecutionPool::~ExecutionPool() {
  stop();
  std::unique_lock lock(mu_);
  gone_.wait(lock, [this] { return alive_ == 0; });
}

void ExecutionPool::start_thread() {
  ++alive_;
  // Detached: stand-ins come and go; the destructor waits for `alive_` to reach 0 instead.
  std::thread([this] { work(); }).detach();
}

void ExecutionPool::join_ring_if_due(Owner& owner) {
  if (!owner.in_ring && !owner.queued.empty() && owner.in_flight() < owner.cap) {
    owner.in_ring = true;
    ring_.push_back(&owner);
  }
}

void ExecutionPool::forget_idle_owners() {
  // Not each time an owner goes idle: a busy service empties its queue between most requests, and
  // forgetting it each time cost an allocation per request (5% of hello's throughput). A sweep
  // once the table has doubled keeps it bounded by the owners at work, at O(1) a job.
  if (owners_.size() <= sweep_at_) return;
  std::erase_if(owners_, [](const auto& entry) {
    const Owner& owner = entry.second;
    return owner.queued.empty() && owner.in_flight() == 0 && !owner.in_ring;
  });
  sweep_at_ = std::max(kOwnersKept, owners_.size() * 2);
}

bool ExecutionPool::try_post(std::function<void()> job, const std::string& owner_name, size_t cap) {
  {
    std::lock_guard lock(mu_);
    const bool own_work = owner_name.empty();
    if (stopping_ || (!own_work && queued_ >= max_queued_)) return false;
    auto [it, added] = owners_.try_emplace(owner_name);
    Owner& owner = it->second;
    if (added) owner.name = owner_name;
    if (owner.queued.size() >= max_queued_per_owner_) return false;
    // The node's own work has no cap; a service's cap follows its latest deploy.
    owner.cap = owner_name.empty() ? std::numeric_limits<size_t>::max() : (cap ? cap : target_);
    owner.queued.push_back(std::move(job));
    ++(own_work ? own_queued_ : queued_);
    const bool was_in_ring = owner.in_ring;
    join_ring_if_due(owner);
    // Nothing of this owner runs on a worker (inline runs hold none) and the free workers go to
    // the owners ahead of it in the ring
    // (each of which may hold its worker until its time limit): a stand-in serves it instead, so
    // it goes to the front, where the stand-in will find it.
    if (!owner_name.empty() && owner.running == 0 && owner.in_ring && !was_in_ring) {
      const size_t ahead = ring_.size() - 1;
      const size_t free_workers = alive_ - (busy_ - inline_);
      if (free_workers <= ahead && alive_ < max_threads_) {
        ring_.pop_back();
        ring_.push_front(&owner);
        start_thread();
      }
    }
  }
  wake_.notify_one();
  return true;
}

void ExecutionPool::job_done(Owner& owner, bool was_inline) {
  --(was_inline ? owner.running_inline : owner.running);
  if (was_inline) --inline_;
  join_ring_if_due(owner);  // it was at its cap: its turn comes again
  forget_idle_owners();
  --busy_;
  if (busy_ == 0 && queued_ == 0 && own_queued_ == 0) idle_.notify_all();
  if (!ring_.empty()) wake_.notify_one();
}

bool ExecutionPool::enter(const std::string& owner_name, size_t cap) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  auto [it, added] = owners_.try_emplace(owner_name);
  Owner& owner = it->second;
  if (added) owner.name = owner_name;
  owner.cap = owner_name.empty() ? std::numeric_limits<size_t>::max() : (cap ? cap : target_);
  if (!owner.queued.empty() || owner.in_flight() >= owner.cap) return false;
  ++owner.running_inline;
  ++busy_;
  ++inline_;
  return true;
}

void ExecutionPool::leave(const std::string& owner_name) {
  std::lock_guard lock(mu_);
  auto it = owners_.find(owner_name);
  if (it != owners_.end()) job_done(it->second, true);  // always found: a running owner is never swept
}

void ExecutionPool::stop() {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    ring_.clear();
    for (auto it = owners_.begin(); it != owners_.end();) {
      Owner& owner = it->second;
      for (auto& job : owner.queued) dropped.push_back(std::move(job));
      owner.queued.clear();
      owner.in_ring = false;
      it = owner.in_flight() == 0 ? owners_.erase(it) : std::next(it);
    }
    queued_ = own_queued_ = 0;
  }
  wake_.notify_all();
  dropped.clear();  // outside the lock: a job's captures may post elsewhere when they go
}

size_t ExecutionPool::queued() const {
  std::lock_guard lock(mu_);
  return queued_ + own_queued_;
}

bool ExecutionPool::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return busy_ == 0 && queued_ == 0 && own_queued_ == 0; });
}

void ExecutionPool::blocking_begins() {
  std::lock_guard lock(mu_);
  ++blocked_;
  if (!stopping_ && alive_ - blocked_ < target_ && alive_ < max_threads_) start_thread();
}

void ExecutionPool::blocking_ends() {
  std::lock_guard lock(mu_);
  --blocked_;  // a surplus thread leaves when it next finds no job
  wake_.notify_one();
}

void ExecutionPool::work() {
  set_thread_blocking_observer(this);
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !ring_.empty() || surplus(); });
    if (ring_.empty()) {
      if (stopping_ || surplus()) break;  // a stand-in with nothing left to stand in for leaves
      continue;
    }
    Owner& owner = *ring_.front();
    ring_.pop_front();
    owner.in_ring = false;
    if (owner.in_flight() >= owner.cap) continue;  // its cap was lowered while it waited: it rejoins when below
    std::function<void()> job = std::move(owner.queued.front());
    owner.queued.pop_front();
    --(owner.name.empty() ? own_queued_ : queued_);
    ++owner.running;
    join_ring_if_due(owner);  // its next job waits behind the owners now ahead of it
    ++busy_;
    if (!ring_.empty()) wake_.notify_one();  // another owner's turn, for another free worker
    lock.unlock();
    try {
      job();
    } catch (...) {
      // Jobs answer their own failures (NodeRoutes::run_on_pool); this is the backstop that keeps
      // a worker, and so the node, alive if one does not.
      std::fputs("edge-node: internal error: a job ended with an exception; the worker goes on\n", stderr);
    }
    job = nullptr;  // its captures go before the next job, outside the lock
    lock.lock();
    job_done(owner, false);  // `owner` may be gone after this
  }
  if (--alive_ == 0) gone_.notify_all();
}

}  // namespace edge::node
