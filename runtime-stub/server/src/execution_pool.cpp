#include "execution_pool.hpp"

#include <algorithm>
#include <thread>

namespace edge::node {

ExecutionPool::ExecutionPool(size_t threads, size_t max_threads, size_t max_queued)
    : target_(std::max<size_t>(1, threads)), max_threads_(std::max(target_, max_threads)), max_queued_(max_queued) {
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

bool ExecutionPool::try_post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void ExecutionPool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  dropped.clear();  // outside the lock: a job's captures may post elsewhere when they go
}

bool ExecutionPool::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return busy_ == 0 && jobs_.empty(); });
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
    // More threads than cores' worth and nothing blocked to stand in for: this one leaves.
    const bool surplus = [this] { return alive_ - blocked_ > target_; }();
    if (surplus && jobs_.empty()) break;
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty() || alive_ - blocked_ > target_; });
    if (jobs_.empty()) {
      if (stopping_) break;
      continue;  // woken as surplus: check again
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++busy_;
    lock.unlock();
    job();
    job = nullptr;
    lock.lock();
    if (--busy_ == 0 && jobs_.empty()) idle_.notify_all();
  }
  if (--alive_ == 0) gone_.notify_all();
}

}  // namespace edge::node
