#pragma once
// Where guest code and other blocking work (mCM changes, disk) run: one thread per core, fed by
// a bounded queue. The HTTP layer's I/O threads never run a guest, so a slow or looping service
// cannot stop the node from accepting or answering anyone else; the queue is bounded, so a flood
// is answered 503 at once instead of piling up memory.
//
// One thread per core, not more: extra threads only add context switches (measured: 8 workers
// on 2 cores served the hello service at 19k req/s, 2 workers at 30k). Two exceptions, each a
// stand-in thread that leaves once it has nothing to do, up to max_threads in all:
// - a worker whose guest waits on the network (an outbound fetch, which may call another service
//   of this node) tells the pool, which starts a stand-in for as long as it waits;
// - a job of an owner (a service) that has nothing running, when no worker is free: one service
//   looping on every worker must not make the others wait for its time limit.
// And an owner never runs more than its cap of jobs at once (MCM.MAX_CONCURRENCY).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "edge/node/engine.hpp"

namespace edge::node {

class ExecutionPool final : private BlockingObserver {
 public:
  ExecutionPool(size_t threads, size_t max_threads, size_t max_queued);
  ~ExecutionPool() override;  // drops what is queued; waits for running jobs
  ExecutionPool(const ExecutionPool&) = delete;
  ExecutionPool& operator=(const ExecutionPool&) = delete;

  // Queues `job` of `owner` (empty: the node's own work, no cap), of which at most `cap` may run
  // at once (0: one per core). False (and `job` dropped) when the queue is full or the pool stops.
  bool try_post(std::function<void()> job, const std::string& owner = {}, size_t cap = 0);
  // Stops taking jobs; jobs already queued are dropped (their owners see them destroyed unrun).
  void stop();
  // True once no job runs, waiting at most `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Job {
    std::function<void()> run;
    std::string owner;
    size_t cap;
  };
  void blocking_begins() override;
  void blocking_ends() override;
  void start_thread();                        // mu_ held
  std::deque<Job>::iterator next_runnable();  // mu_ held; jobs_.end() if none may run now
  bool surplus() const { return alive_ - blocked_ > target_; }
  void work();

  const size_t target_, max_threads_, max_queued_;
  std::mutex mu_;
  std::condition_variable wake_, idle_, gone_;
  std::deque<Job> jobs_;
  std::map<std::string, size_t> running_;  // by owner, only owners with a job running
  size_t alive_ = 0;                       // threads
  size_t blocked_ = 0;                     // of which waiting on the network
  size_t busy_ = 0;                        // of which running a job
  bool stopping_ = false;
};

}  // namespace edge::node
