#pragma once
// wasm -> shared object, cached by content: <cache_dir>/<key>.so where the key is the SHA-256 of
// the module bytes, the compiler's identity, the flags and the glue/ABI version. The .so is
// written under a temporary name and renamed, so a crash never leaves a half-written cache entry,
// and two nodes (or loads) compiling the same module at once both end with a whole file.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "edge/core/result.hpp"

namespace edge::node::aot {

class Compiler {
 public:
  // `cc`: the C compiler (must exist); `cflags`: optimisation flags.
  Compiler(std::filesystem::path cache_dir, std::string cc, std::string cflags);

  struct Artifact {
    std::filesystem::path shared_object;
    bool from_cache = false;
    double translate_ms = 0, compile_ms = 0;
  };
  Result<Artifact> compile(std::span<const uint8_t> wasm) const;

  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::filesystem::path cache_dir_;
  std::string cc_, cflags_, fingerprint_;
};

std::string sha256_hex(std::span<const uint8_t> bytes);

}  // namespace edge::node::aot
