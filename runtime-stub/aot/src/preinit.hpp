#pragma once
// Pre-initialisation: a reactor's _initialize (its C++ constructors, the libc's set-up) runs once
// when the module is loaded, and every instance starts from what it left instead of running it
// again. Only where that is provably the same thing: the module's state is its memory and its
// globals (edge_aot_module::can_preinit: no code changes a table, no dropped segments), and the
// initialisation neither calls the host (a clock read or an env lookup would be frozen into
// every instance) nor grows memory. Otherwise each instance runs _initialize, as before; the
// node's log says which and why (aot_engine.cpp).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "aot_abi.h"

namespace edge::node::aot {

// What _initialize changed: the bytes of memory that differ from a fresh instance's, and the
// globals after it.
class Snapshot {
 public:
  Snapshot(std::span<const uint8_t> fresh, std::span<const uint8_t> initialised, std::vector<uint64_t> globals);
  // Makes a freshly instantiated instance (its memory of `memory_size` bytes at `memory`) what
  // the snapshot's was after _initialize.
  void apply(uint8_t* memory, uint64_t memory_size, void* instance, const edge_aot_module& module) const;
  uint64_t changed_bytes() const { return bytes_.size(); }
  size_t global_count() const { return globals_.size(); }

 private:
  struct Span {
    uint32_t offset, size;
  };
  std::vector<Span> spans_;
  std::string bytes_;  // the spans' bytes, back to back
  std::vector<uint64_t> globals_;
};

}  // namespace edge::node::aot
