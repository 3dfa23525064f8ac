// The execution pool's promises between services, in-process: owners take turns, an owner's cap
// holds, a service with nothing running is not held behind another's long jobs, and a full queue
// or a stopped pool refuses instead of piling up. Ordering is asserted, never durations.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "execution_pool.hpp"

using namespace std::chrono_literals;
using edge::node::ExecutionPool;

namespace {

// Jobs wait at the gate until it opens.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// The order in which jobs started, by name.
struct StartOrder {
  std::mutex mu;
  std::vector<std::string> names;
  void add(const std::string& name) {
    std::lock_guard lock(mu);
    names.push_back(name);
  }
  size_t index_of(const std::string& name) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  }
};

}  // namespace

TEST_CASE("execution pool: a burst of one service does not hold another's request until the burst has run") {
  // One worker and no stand-ins, so only the order of turns decides who runs next.
  ExecutionPool pool(1, 1, 100);
  Gate gate;
  StartOrder order;
  REQUIRE(pool.try_post(
      [&] {
        order.add("a0");
        gate.wait();
      },
      "a", 8));
  for (int i = 1; i <= 5; ++i) REQUIRE(pool.try_post([&, i] { order.add("a" + std::to_string(i)); }, "a", 8));
  REQUIRE(pool.try_post([&] { order.add("b"); }, "b", 8));
  gate.open();
  REQUIRE(pool.wait_idle(10s));
  // First come, first served would run b seventh; in turns it runs after at most one more of a.
  CHECK(order.names.size() == 7);
  CHECK(order.index_of("b") <= 2);
}

TEST_CASE("execution pool: an owner never runs more than its cap at once, with workers to spare") {
  ExecutionPool pool(4, 4, 100);
  std::atomic<int> running{0}, most{0};
  for (int i = 0; i < 12; ++i)
    REQUIRE(pool.try_post(
        [&] {
          const int now = ++running;
          for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          std::this_thread::sleep_for(2ms);
          --running;
        },
        "a", 2));
  REQUIRE(pool.wait_idle(10s));
  CHECK(most >= 1);
  CHECK(most <= 2);
}

TEST_CASE("execution pool: a service with nothing running is served while another holds every worker") {
  // The looping service is below its cap (4) with a job still queued: the stand-in started for
  // hello must serve hello, not that job.
  ExecutionPool pool(2, 4, 100);
  Gate gate;
  std::atomic<int> holding{0};
  for (int i = 0; i < 3; ++i)
    REQUIRE(pool.try_post(
        [&] {
          ++holding;
          gate.wait();
        },
        "loop", 4));
  for (int i = 0; i < 10000 && holding < 2; ++i) std::this_thread::sleep_for(1ms);
  REQUIRE(holding == 2);  // both workers are held
  std::promise<void> served;
  auto done = served.get_future();
  REQUIRE(pool.try_post([&] { served.set_value(); }, "hello"));
  // Without a stand-in for hello, it would wait for the gate, which only opens after this wait.
  const bool in_time = done.wait_for(10s) == std::future_status::ready;
  CHECK(in_time);
  gate.open();
  REQUIRE(pool.wait_idle(10s));
  CHECK(holding == 3);
}

TEST_CASE("execution pool: a full queue refuses, and a stopped pool drops what it had queued") {
  ExecutionPool pool(1, 1, 2);
  Gate gate;
  std::atomic<int> ran{0};
  std::promise<void> started;
  REQUIRE(pool.try_post(
      [&] {
        started.set_value();
        gate.wait();
        ++ran;
      },
      "a"));
  started.get_future().wait();  // the first job runs, so the next two are what the queue holds
  CHECK(pool.try_post([&] { ++ran; }, "a"));
  CHECK(pool.try_post([&] { ++ran; }, "b"));
  CHECK_FALSE(pool.try_post([&] { ++ran; }, "c"));
  pool.stop();
  CHECK_FALSE(pool.try_post([&] { ++ran; }, "d"));
  gate.open();
  REQUIRE(pool.wait_idle(10s));
  CHECK(ran == 1);  // the running job finished; the two queued were dropped unrun
}

TEST_CASE("execution pool: one owner's flood fills its own queue only, and the node's own work is never queued out") {
  ExecutionPool pool(1, 1, /*max_queued=*/3, /*max_queued_per_owner=*/2);
  Gate gate;
  std::atomic<int> ran{0};
  std::promise<void> started;
  REQUIRE(pool.try_post(
      [&] {
        started.set_value();
        gate.wait();
        ++ran;
      },
      "flood"));
  started.get_future().wait();
  CHECK(pool.try_post([&] { ++ran; }, "flood"));
  CHECK(pool.try_post([&] { ++ran; }, "flood"));
  CHECK_FALSE(pool.try_post([&] { ++ran; }, "flood"));  // its own queue is full
  CHECK(pool.try_post([&] { ++ran; }, "hello"));        // another service still finds room
  CHECK_FALSE(pool.try_post([&] { ++ran; }, "other"));  // now the node-wide bound (3) is reached
  CHECK(pool.try_post([&] { ++ran; }));                 // the node's own work (mCM) is not counted in it
  gate.open();
  REQUIRE(pool.wait_idle(10s));
  CHECK(ran == 5);
}
