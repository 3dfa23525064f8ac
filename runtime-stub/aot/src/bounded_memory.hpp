#pragma once
// Linear memory for compiled code built with bounds checks (EDGE_AOT_BOUNDS_CHECKS, the 32-bit
// targets): the generated code compares every address with the memory's size and traps itself,
// so a memory is just its live pages, with no guard region. A 32-bit process cannot hold the
// 8 GiB reservation per memory that the guard-page mode (runtime.cpp) relies on.
//
// A memory grows with mremap and may move, like the interpreter's: the generated code reads
// mem->data at every access, and the host side takes a fresh view of memory at every call.
#include "aot_abi.h"

namespace edge::node::aot::bounded {

// The host table's memory functions in this mode (same contract as in aot_abi.h).
void allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages);
uint32_t grow_memory(wasm_rt_memory_t* mem, uint32_t delta_pages);
void free_memory(wasm_rt_memory_t* mem);

}  // namespace edge::node::aot::bounded
