#pragma once
// The task queue of the HTTP server: a thread per connection, up to a cap.
//
// cpp-httplib runs each connection on one task for its whole life, waiting for its requests.
// Its stock fixed-size pool therefore lets a few slow or idle clients take every worker, and
// later connections wait in the queue behind them (200 idle connections stalled the node for
// tens of seconds). Here a connection gets its own thread while fewer than `max_threads` run,
// so waiting clients cost a sleeping thread each, never someone else's turn. Beyond the cap,
// connections queue (FIFO). How many Wasm requests run at once is bounded separately
// (web_server.cpp), because that is what costs CPU and memory.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace edge::node {

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(size_t max_threads) : max_threads_(max_threads) {}
  ~ConnectionThreads() override { shutdown(); }

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins every thread

 private:
  void work();

  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;  // threads waiting for a job
  bool shutdown_ = false;
};

}  // namespace edge::node
