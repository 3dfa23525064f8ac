/* The contract between edge-node and a compiled module (a shared object made by the AOT engine).
 *
 * The shared object holds wasm2c's C for the module plus a glue file the engine generates for
 * it (glue.cpp). It has no undefined symbols into the node: everything the generated code needs
 * from a runtime (traps, memory, tables) and every host function it imports comes through the
 * edge_aot_host table the node passes at load time. So any executable can load it (the node,
 * tests, the benchmark) without exporting symbols, and thread-local trap state stays in the node.
 *
 * This text is also embedded in every generated glue file; changing it changes EDGE_AOT_ABI,
 * which is part of the cache key, so stale shared objects are rebuilt, never misused. */
#ifndef EDGE_AOT_ABI_H
#define EDGE_AOT_ABI_H
#include <stddef.h>
#include <stdint.h>

#include "wasm-rt.h"

#define EDGE_AOT_ABI 6

#ifdef __cplusplus
extern "C" {
#endif

typedef struct edge_aot_host {
  uint32_t abi; /* EDGE_AOT_ABI */
  /* wasm_rt_trap: unwinds to the node's call (never returns). */
  void (*trap)(wasm_rt_trap_t code);
  /* Linear memory: guard-page reservations from the node's pool. */
  void (*allocate_memory)(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages);
  uint32_t (*grow_memory)(wasm_rt_memory_t* mem, uint32_t delta_pages);
  void (*free_memory)(wasm_rt_memory_t* mem);
  /* Heap for tables (the node marks the thread as "in host" while inside). */
  void* (*alloc_zeroed)(size_t bytes);
  void* (*resize)(void* p, size_t bytes);
  void (*release)(void* p);
  /* Host functions, in the order of sdk/include/edge/abi.def (env, then wasi). Each takes the
   * host context first, then the params as int32_t/int64_t. */
  const void* const* imports;
  uint32_t import_count;
} edge_aot_host;

/* An exported function, called without knowing its C signature: params and results are
 * passed as raw 64-bit slots (i32 zero-extended, f32/f64 as their bits). */
typedef void (*edge_aot_invoke_fn)(void* instance, const uint64_t* params, uint64_t* results);

typedef struct edge_aot_export {
  const char* name;
  const char* params;  /* one letter per param: i (i32), I (i64), f (f32), F (f64) */
  const char* results; /* "", or one letter */
  edge_aot_invoke_fn invoke;
} edge_aot_export;

typedef struct edge_aot_module {
  uint32_t abi;
  size_t instance_size;
  /* Every imported module instance pointer gets the same host context. */
  void (*instantiate)(void* instance, void* host_context);
  void (*free_instance)(void* instance);
  wasm_rt_memory_t* (*memory)(void* instance); /* the exported memory, or NULL */
  uint32_t export_count;
  const edge_aot_export* exports;
  /* Bytes of the prepared initial-memory image each instance starts from, or -1 when the data
   * segments are replayed per instance (see the node's memory_image.hpp). */
  int64_t (*memory_image_bytes)(void);
  /* Trap backtraces: func_addrs[i] is the code of function index first_func_index + i, and
   * [func_text[0], func_text[1]) the section holding only Wasm functions (func_count 0: unknown). */
  const void* const* func_addrs;
  uint32_t func_count;
  uint32_t first_func_index;
  const void* const* func_text;
  /* Pre-initialisation (the node's preinit.cpp): can_preinit is 1 when an instance's whole state
   * is its memory, its globals and tables no code changes, so a snapshot taken after _initialize
   * can stand for running it; the globals (global_count of them, as raw 64-bit slots) are read
   * and written with these two. */
  int can_preinit;
  uint32_t global_count;
  void (*save_globals)(const void* instance, uint64_t* slots);
  void (*load_globals)(void* instance, const uint64_t* slots);
} edge_aot_module;

/* The one symbol the node looks up: returns NULL when the host table's abi differs. */
typedef const edge_aot_module* (*edge_aot_entry_fn)(const edge_aot_host* host);
#define EDGE_AOT_ENTRY "edge_aot_module_entry"

#ifdef __cplusplus
}
#endif
#endif
