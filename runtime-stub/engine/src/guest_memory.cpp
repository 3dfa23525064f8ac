#include "edge/node/guest_memory.hpp"

#include <atomic>

namespace edge::node::guest_memory {
namespace {
std::atomic<uint64_t> g_limit{0};
std::atomic<uint64_t> g_in_use{0};
}  // namespace

void set_limit(uint64_t bytes) { g_limit = bytes; }
uint64_t limit() { return g_limit.load(std::memory_order_relaxed); }

bool take(uint64_t bytes) {
  const uint64_t cap = g_limit.load(std::memory_order_relaxed);
  uint64_t used = g_in_use.load(std::memory_order_relaxed);
  do {
    if (cap && used + bytes > cap) return false;
  } while (!g_in_use.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void give_back(uint64_t bytes) { g_in_use.fetch_sub(bytes, std::memory_order_relaxed); }
uint64_t in_use() { return g_in_use.load(std::memory_order_relaxed); }

}  // namespace edge::node::guest_memory
