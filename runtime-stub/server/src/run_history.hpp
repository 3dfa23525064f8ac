#pragma once
// What a service's recent runs took, to choose where its next request runs (issue 28): on the I/O
// thread that read it when its runs are short and never wait on the network (no hand-off to a
// worker and back), else on the execution pool. One per deployed version, updated by every run
// wherever it ran, so a service that turns slow moves to the pool after a few requests, and back
// once it is quick again.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace edge::node {

class RunHistory {
 public:
  // Runs this short block a loop's other connections for less than a fetch from a LAN peer would.
  static constexpr std::chrono::microseconds kInlineLimit{50};

  bool short_and_local() const {
    return !waits_.load(std::memory_order_relaxed) &&
           typical_ns_.load(std::memory_order_relaxed) <= uint32_t(std::chrono::nanoseconds(kInlineLimit).count());
  }

  void record(std::chrono::nanoseconds took, bool waited) {
    if (waited) waits_.store(true, std::memory_order_relaxed);  // for good: it may wait again at any time
    const auto ns = uint32_t(std::clamp<int64_t>(took.count(), 0, kUnknown - 1));
    // A moving average over about the last eight runs; lossy under concurrent runs, which is fine
    // for a hint. Relaxed: nothing else is published through it.
    const uint32_t old = typical_ns_.load(std::memory_order_relaxed);
    typical_ns_.store(old == kUnknown ? ns : old - old / 8 + ns / 8, std::memory_order_relaxed);
  }

 private:
  static constexpr uint32_t kUnknown = std::numeric_limits<uint32_t>::max();  // no run yet: not short
  std::atomic<uint32_t> typical_ns_{kUnknown};
  std::atomic<bool> waits_{false};
};

}  // namespace edge::node
