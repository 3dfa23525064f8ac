#pragma once
// Where each Wasm function lives in a compiled module, so a trap's native backtrace can be told
// in Wasm functions (runtime-stub/aot/src/native_trace.hpp maps the addresses).
//
// How: add_function_table() edits wasm2c 1.0.32's module.c. Its forward declarations of the
// defined functions (one line each, in function-index order, all `static`) get
//  - section("edge_wasm_text"): only Wasm functions live there, so the linker's
//    __start_/__stop_edge_wasm_text bound them and a PC in glue, runtime or libc code is
//    recognisably not a Wasm frame; within the section a PC belongs to the function with the
//    greatest start address at or below it;
//  - noclone: gcc's clones (.constprop, .isra, .part) inherit the section and would be
//    attributed to whichever function precedes them;
//  - noinline: gcc inlined small Wasm functions into their callers and every exported function
//    into its wrapper (outside the section): traces lost frames, even all of them, and no longer
//    matched the interpreter's. The Wasm producer (LLVM, wasm-opt) has already inlined what pays;
//    the SHA-256 kernel (scripts/bench.sh) ran within noise of the inlined build (265 vs 262 ms).
// It then appends edge_func_addrs[] (the functions' addresses, in index order), edge_func_count,
// edge_first_func_index (the number of imported functions) and edge_func_text[2] (the section
// bounds), all hidden: the glue (another translation unit) hands them to the node through
// edge_aot_module. When the declarations are not what we expect, the table is empty (traps then
// carry no backtrace) and the C is unchanged apart from the empty table.
// What stays inexact: a trap has no exact Wasm instruction (native code), so DWARF gives only the
// function's first line (see native_trace.hpp).
#include <cstdint>
#include <string>

namespace edge::node::aot {

// Returns the number of functions in the table (0 when the declarations were not recognised).
uint32_t add_function_table(std::string& c_source, uint32_t imported_funcs, uint32_t defined_funcs);

}  // namespace edge::node::aot
