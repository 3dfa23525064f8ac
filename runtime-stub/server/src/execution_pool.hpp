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
// - a job of an owner (a service) that has nothing running, when no worker is free for it: one
//   service looping on every worker must not make the others wait for its time limit.
//
// Owners take turns: each has its own queue, and a free worker serves the owner at the front of
// a ring of owners with work, then moves it to the back. First come, first served across owners
// let a burst of one service (eight requests of 300 ms) hold another's request until the whole
// burst had run; in turns, that request waits for one job at most. And an owner never runs more
// than its cap of jobs at once (MCM.MAX_CONCURRENCY): at its cap it leaves the ring.
//
// Queues are bounded per owner as well as in all: a flood of one service fills its own queue and
// is refused there, while another service's request still finds room (issue 23: 1,100 requests
// to one slow endpoint made everyone get 503, the mCM API included). The node's own work (owner
// "") is not counted in the node-wide bound at all: a flood of guests never queues mCM out.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "edge/node/engine.hpp"

namespace edge::node {

class ExecutionPool final : private BlockingObserver {
 public:
  ExecutionPool(size_t threads, size_t max_threads, size_t max_queued, size_t max_queued_per_owner = 256);
  ~ExecutionPool() override;  // drops what is queued; waits for running jobs
  ExecutionPool(const ExecutionPool&) = delete;
  ExecutionPool& operator=(const ExecutionPool&) = delete;

  // Queues `job` of `owner` (empty: the node's own work, no cap), of which at most `cap` may run
  // at once (0: one per core). False (and `job` dropped) when the owner's queue or the node-wide
  // one is full, or the pool stops.
  bool try_post(std::function<void()> job, const std::string& owner = {}, size_t cap = 0);
  // For a job of `owner` the caller runs itself, on its own thread (an inline run, issue 28): it
  // counts against the owner's cap and as busy work (wait_idle() waits for it), but holds no
  // worker: an owner whose only running jobs are inline still gets a stand-in worker for a job it
  // queues while every worker is taken. False when the owner has jobs queued (this one would jump them),
  // is at its cap, or the pool stops: then post the job instead. leave() when it is done.
  bool enter(const std::string& owner, size_t cap = 0);
  void leave(const std::string& owner);
  // Stops taking jobs; jobs already queued are dropped (their owners see them destroyed unrun).
  void stop();
  // True once no job runs, waiting at most `timeout`.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Jobs waiting for a thread now, the node's own included.
  size_t queued() const;

 private:
  // A service with work queued or running (or lately: idle ones are swept out now and then).
  struct Owner {
    std::string name;
    std::deque<std::function<void()>> queued;
    size_t running = 0;                                            // on workers
    size_t running_inline = 0;                                     // in enter(), on their callers' threads
    size_t in_flight() const { return running + running_inline; }  // what its cap bounds
    size_t cap = 0;
    bool in_ring = false;  // queued work and below its cap: waiting for its turn
  };
  void blocking_begins() override;
  void blocking_ends() override;
  void start_thread();                           // mu_ held
  void join_ring_if_due(Owner& owner);           // mu_ held
  void forget_idle_owners();                     // mu_ held
  void job_done(Owner& owner, bool was_inline);  // mu_ held
  bool surplus() const { return alive_ - blocked_ > target_; }
  void work();

  static constexpr size_t kOwnersKept = 256;  // owners (idle ones included) before the first sweep
  const size_t target_, max_threads_, max_queued_, max_queued_per_owner_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_, gone_;
  std::unordered_map<std::string, Owner> owners_;  // node-based: an Owner's address is stable
  std::deque<Owner*> ring_;                        // owners whose turn is due, front first
  size_t sweep_at_ = kOwnersKept;                  // owners in the table that start a sweep of idle ones
  size_t queued_ = 0;                              // jobs, over all owners but the node's own
  size_t own_queued_ = 0;                          // the node's own jobs
  size_t alive_ = 0;                               // threads
  size_t blocked_ = 0;                             // of which waiting on the network
  size_t busy_ = 0;                                // running a job: workers, and callers in enter()
  size_t inline_ = 0;                              // of busy_, callers in enter(): they hold no worker
  bool stopping_ = false;
};

}  // namespace edge::node
