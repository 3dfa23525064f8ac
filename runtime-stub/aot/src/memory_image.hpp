#pragma once
// The initial-memory image: each instance starts from a prepared copy of the module's memory
// after its active data segments, instead of replaying wasm2c's LOAD_DATA per segment.
//
// How: rewrite_init_memories() edits wasm2c's init_memories() in the generated C so that it
// calls edge_apply_memory_image() (glue) after allocating the memory, and moves the LOAD_DATA
// lines into edge_load_active_data(). When the shared object is loaded, the glue applies those
// segments once to a scratch buffer and keeps only the non-zero spans (kMemoryImageRuntime);
// each instantiation then copies the spans into the fresh memory. The zero bytes need no copy
// because wasm_rt_allocate_memory hands out zeroed memory: runtime.cpp's pool clears a memory when
// it comes back, grown pages included (free_memory passes the current page count).
// Passive segments and data.drop are untouched: wasm2c tracks them outside init_memories, and
// memory.init on an active (hence dropped) segment is generated with length 0, so it traps
// exactly as before.
//
// The rewrite happens only when the image is provably the same for every instance: one memory,
// defined by the module (not imported), every active segment at a constant offset and inside the
// initial pages. Anything else (an offset from a global, a segment out of bounds, which must trap
// at instantiation, an unknown wasm2c output) leaves the C unchanged: segments are replayed.
#include <string>

namespace edge::node::aot {

// Returns true when `c_source` (wasm2c 1.0.32's module.c) was rewritten to start from the image.
bool rewrite_init_memories(std::string& c_source);

// The glue's C for a rewritten module: builds the image once and applies it per instance, and
// defines edge_memory_image_bytes() (the bytes copied per instance).
extern const char* const kMemoryImageRuntime;
// The glue's C for a module whose segments are replayed: edge_memory_image_bytes() returns -1.
extern const char* const kNoMemoryImageRuntime;

}  // namespace edge::node::aot
