#pragma once
// Where guest code and other blocking work (mCM changes, disk) run: one thread per core, fed by
// a bounded queue. The HTTP layer's I/O threads never run a guest, so a slow or looping service
// cannot stop the node from accepting or answering anyone else; the queue is bounded, so a flood
// is answered 503 at once instead of piling up memory.
//
// One thread per core, not more: extra threads only add context switches (measured: 8 workers
// on 2 cores served the hello service at 19k req/s, 2 workers at 30k). A worker whose guest waits
// on the network (an outbound fetch, which may call another service of this node) tells the pool,
// which starts a stand-in for as long as it waits, up to max_threads.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include "edge/node/engine.hpp"

namespace edge::node {

class ExecutionPool final : private BlockingObserver {
 public:
  ExecutionPool(size_t threads, size_t max_threads, size_t max_queued);
  ~ExecutionPool() override;  // drops what is queued; waits for running jobs
  ExecutionPool(const ExecutionPool&) = delete;
  ExecutionPool& operator=(const ExecutionPool&) = delete;

  // Queues `job`; false (and `job` dropped) when the queue is full or the pool is stopping.
  bool try_post(std::function<void()> job);
  // Stops taking jobs; jobs already queued are dropped (their owners see them destroyed unrun).
  void stop();
  // True once no job runs, waiting at most `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  void blocking_begins() override;
  void blocking_ends() override;
  void start_thread();  // mu_ held
  void work();

  const size_t target_, max_threads_, max_queued_;
  std::mutex mu_;
  std::condition_variable wake_, idle_, gone_;
  std::deque<std::function<void()>> jobs_;
  size_t alive_ = 0;    // threads
  size_t blocked_ = 0;  // of which waiting on the network
  size_t busy_ = 0;     // of which running a job
  bool stopping_ = false;
};

}  // namespace edge::node
