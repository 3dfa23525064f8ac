#pragma once
// The ahead-of-time engine: each module is translated to C with wabt's wasm2c writer, compiled
// with the machine's C compiler into a shared object, cached by digest and dlopen'ed. Requests run
// the compiled code on a fresh instance each (memory from a per-module pool, guard pages).
// The tiered engine serves from the interpreter at once and switches to the compiled code when
// the background compilation is done. See docs/benchmarks.md for the design and the figures.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "edge/node/engine.hpp"

namespace edge::node {

struct AotOptions {
  // The quick tier: tcc, linked into the compile worker, compiles in a fraction of a second with
  // no C compiler on the machine (code about 2-3x slower than gcc -O2's); cc and cflags unused.
  bool quick = false;
  std::filesystem::path cache_dir;  // <data-dir>/aot-cache; created when missing
  std::string cc;                   // C compiler; empty: $CC, else `cc` from PATH
  std::string cflags = "-O2";       // optimisation flags (always with -fPIC -shared)
  // The compile worker (edge-aot-compile); empty: next to this executable, else the build tree's.
  std::filesystem::path compile_worker;
  // Each compile runs in that worker under these limits (defaults for a machine with 2 GB or more;
  // edge-node's --compile-* options). Past them the module stays on the interpreter.
  std::chrono::seconds compile_cpu{120};  // per process; the wall-clock limit is 2 x this + 10 s
  uint64_t compile_memory_mb = 2048;      // address space per process
  uint64_t max_module_bytes = 32u << 20;  // larger modules are not compiled
  uint64_t max_cache_bytes = 1u << 30;    // the compile cache, pruned least recently used first
  // Where the engine reports compilations, cache hits and fallbacks; may be empty.
  std::function<void(const std::string&)> log;
  // The same, as figures for the node's metrics: each load, compiled or from the cache, or failed.
  struct CompileReport {
    std::string_view tier;  // "quick" or "aot"
    bool ok = false;
    bool from_cache = false;
    double seconds = 0;       // translating and compiling; 0 from the cache
    std::string_view module;  // the digest the module was loaded with (its SHA-256): whose compile
  };
  std::function<void(const CompileReport&)> on_compile;
};

// Fails (as a value) when no C compiler is found (quick: when this node has no quick tier, or tcc's
// runtime folder is missing): the caller then stays on another tier.
Result<std::unique_ptr<Engine>> make_aot_engine_checked(const AotOptions& options);
// The factory the node uses. Never null: without a C compiler, load() returns a clear error.
std::unique_ptr<Engine> make_aot_engine(const AotOptions& options);

// Tiers, fastest to start first (tiered_engine.cpp): load() returns the quick tier's module (it
// waits a moment for that compile; past it, `interpreter`'s serves meanwhile), and the optimising
// tier compiles in the background and takes over atomically (requests in flight finish on the
// module they started on). `interpreter` null (--engine aot): compiled code only; a load waits for
// the quick tier, or for the optimising one when the quick tier cannot compile the module.
// Compiles run smallest module first, so one huge module does not hold back the others.
std::unique_ptr<Engine> make_tiered_engine(std::unique_ptr<Engine> interpreter, const AotOptions& options);

// The compile worker the engine would use, or empty when there is none.
std::filesystem::path find_compile_worker(const std::filesystem::path& preferred);

// The C compiler the engine would use, or empty when there is none.
std::string find_c_compiler(const std::string& preferred);

}  // namespace edge::node
