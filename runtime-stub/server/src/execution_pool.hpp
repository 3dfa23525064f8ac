#pragma once
// Where guest code and other blocking work (mCM changes, disk) run: a fixed set of threads,
// sized to the cores, fed by a bounded queue. The HTTP layer's I/O threads never run a guest, so
// a slow or looping service cannot stop the node from accepting or answering anyone else; and
// the queue is bounded, so a flood is answered 503 at once instead of piling up memory.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edge::node {

class ExecutionPool {
 public:
  ExecutionPool(size_t threads, size_t max_queued);
  ~ExecutionPool();  // runs nothing more that is queued; joins the threads
  ExecutionPool(const ExecutionPool&) = delete;
  ExecutionPool& operator=(const ExecutionPool&) = delete;

  // Queues `job`; false (and `job` dropped) when the queue is full or the pool is stopping.
  bool try_post(std::function<void()> job);
  // Stops taking jobs; jobs already queued are dropped (their owners see them destroyed unrun).
  void stop();
  // True once every thread is idle after stop(), waiting at most `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);

  size_t threads() const { return workers_.size(); }

 private:
  void work();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  size_t busy_ = 0;
  bool stopping_ = false;
};

}  // namespace edge::node
