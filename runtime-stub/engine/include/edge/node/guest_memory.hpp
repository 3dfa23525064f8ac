#pragma once
// The node-wide budget of guests' linear memory (edge-node --guest-memory-mb). Each instance has
// its own cap (EDGE_MAX_MEMORY_MB), but many instances at once (MCM.MAX_CONCURRENCY, stand-ins
// for guests waiting on fetches) could still take more than the machine has: a memory.grow storm
// reached 8 GB. Under the budget an instance that cannot get its initial memory traps, and a
// memory.grow past it returns -1 to the guest (as a grow past the instance's cap does); the node
// itself never runs out. The compiled tiers charge every page they map; the interpreter (debug
// builds, the fallback) charges an instance's initial memory only (wabt grows it inside).
#include <cstdint>

namespace edge::node::guest_memory {

// 0: no budget. Set once at start, before any instance runs.
void set_limit(uint64_t bytes);
uint64_t limit();
// Takes `bytes` of the budget; false (nothing taken) when they do not fit.
bool take(uint64_t bytes);
void give_back(uint64_t bytes);
uint64_t in_use();

}  // namespace edge::node::guest_memory
