#include "execution_pool.hpp"

namespace edge::node {

ExecutionPool::ExecutionPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
  workers_.reserve(threads);
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) workers_.emplace_back([this] { work(); });
}

ExecutionPool::~ExecutionPool() {
  stop();
  for (auto& t : workers_) t.join();
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
  // Destroyed outside the lock: a job's captures may post elsewhere when they go.
  dropped.clear();
}

bool ExecutionPool::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return busy_ == 0 && jobs_.empty(); });
}

void ExecutionPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++busy_;
    lock.unlock();
    job();
    job = nullptr;
    lock.lock();
    if (--busy_ == 0 && jobs_.empty()) idle_.notify_all();
  }
}

}  // namespace edge::node
