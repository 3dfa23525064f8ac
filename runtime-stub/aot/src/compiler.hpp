#pragma once
// wasm -> shared object, cached by content: <cache_dir>/<key>.so where the key is the SHA-256 of
// the module bytes, the compiler's identity, the flags and the glue/ABI version. The .so is
// written under a temporary name and renamed, so a crash never leaves a half-written cache entry,
// and two nodes (or loads) compiling the same module at once both end with a whole file.
//
// The work (wasm2c's C writer, then the C compiler) runs in a child process, the compile worker
// (compile_worker.hpp), under a budget: CPU seconds and address space per process, a wall-clock
// limit, and a size above which a module is not tried at all. The C writer's time grows with the
// square of a module's function count and the C compiler can take gigabytes on one huge
// function: such a module costs a killed child, and stays on the interpreter.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "edge/core/result.hpp"

namespace edge::node::aot {

struct CompileBudget {
  std::chrono::seconds cpu{120};          // per process (the worker, the C compiler); wall: 2 x cpu + 10 s
  uint64_t memory_mb = 2048;              // address space per process
  uint64_t max_module_bytes = 32u << 20;  // larger modules are not compiled
  uint64_t max_cache_bytes = 1u << 30;    // the cache is pruned to this, least recently used first
};

class Compiler {
 public:
  // `cc`: the C compiler (must exist); `cflags`: optimisation flags; `worker`: edge-aot-compile.
  Compiler(std::filesystem::path cache_dir, std::string cc, std::string cflags, std::filesystem::path worker,
           CompileBudget budget);

  struct Artifact {
    std::filesystem::path shared_object;
    bool from_cache = false;
    double translate_ms = 0, compile_ms = 0;
  };
  Result<Artifact> compile(std::span<const uint8_t> wasm);
  // The cached shared object of `wasm`, without compiling; nullopt when the cache has none.
  std::optional<Artifact> cached(std::span<const uint8_t> wasm);

  // Kills the compile in progress and fails every later one at once: the node is stopping.
  void abandon();

 private:
  std::filesystem::path cache_path(std::span<const uint8_t> wasm) const;
  std::optional<Artifact> cached_at(const std::filesystem::path& shared_object);
  void remove_leftovers();
  void prune_cache(const std::filesystem::path& keep);

  std::filesystem::path cache_dir_, worker_;
  std::string cc_, cflags_, fingerprint_;
  CompileBudget budget_;
  std::mutex mu_;
  std::condition_variable abandoned_cv_;
  bool abandoned_ = false;
};

}  // namespace edge::node::aot
