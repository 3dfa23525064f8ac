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

bool ExecutionPool::try_post(std::function<void()> job, const std::string& owner, size_t cap) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(Job{std::move(job), owner, cap ? cap : target_});
    // Every worker busy, and with others' jobs: this owner would wait for them, however long.
    // (Not when a worker is merely between jobs: under load that is most of the time, and a
    // thread started then would only add a switch.)
    const bool starved = !owner.empty() && !running_.contains(owner) && busy_ >= alive_;
    if (starved && alive_ < max_threads_) start_thread();
  }
  wake_.notify_one();
  return true;
}

void ExecutionPool::stop() {
  std::deque<Job> dropped;
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

std::deque<ExecutionPool::Job>::iterator ExecutionPool::next_runnable() {
  // Oldest first, skipping owners at their cap (usually the first job qualifies).
  return std::find_if(jobs_.begin(), jobs_.end(), [this](const Job& job) {
    if (job.owner.empty()) return true;
    auto it = running_.find(job.owner);
    return it == running_.end() || it->second < job.cap;
  });
}

void ExecutionPool::work() {
  set_thread_blocking_observer(this);
  std::unique_lock lock(mu_);
  for (;;) {
    auto next = jobs_.end();
    wake_.wait(lock, [&] {
      next = next_runnable();
      return stopping_ || next != jobs_.end() || surplus();
    });
    if (next == jobs_.end()) {
      if (stopping_ || surplus()) break;  // a stand-in with nothing left to stand in for leaves
      continue;
    }
    Job job = std::move(*next);
    jobs_.erase(next);
    if (!job.owner.empty()) ++running_[job.owner];
    ++busy_;
    lock.unlock();
    job.run();
    job.run = nullptr;
    lock.lock();
    if (!job.owner.empty())
      if (auto it = running_.find(job.owner); it != running_.end() && --it->second == 0) running_.erase(it);
    --busy_;
    if (busy_ == 0 && jobs_.empty()) idle_.notify_all();
    if (!jobs_.empty()) wake_.notify_one();  // a job held back by this owner's cap may run now
  }
  if (--alive_ == 0) gone_.notify_all();
}

}  // namespace edge::node
