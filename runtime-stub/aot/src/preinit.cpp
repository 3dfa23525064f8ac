// See preinit.hpp.
#include "preinit.hpp"

#include <algorithm>
#include <cstring>

namespace edge::node::aot {
namespace {
// Unchanged runs shorter than this stay inside a span: a memcpy call costs about as much as
// copying a few hundred bytes (the same trade as the initial-memory image, memory_image.cpp).
constexpr uint64_t kGap = 256;
}  // namespace

Snapshot::Snapshot(std::span<const uint8_t> fresh, std::span<const uint8_t> initialised, std::vector<uint64_t> globals)
    : globals_(std::move(globals)) {
  const uint64_t end = std::min(fresh.size(), initialised.size());
  uint64_t i = 0;
  while (i < end) {
    while (i < end && fresh[i] == initialised[i]) ++i;
    if (i == end) break;
    uint64_t start = i, last = i;
    for (; i < end; ++i) {
      if (fresh[i] != initialised[i]) last = i;
      else if (i - last > kGap) break;
    }
    spans_.push_back(Span{uint32_t(start), uint32_t(last + 1 - start)});
    bytes_.append(reinterpret_cast<const char*>(initialised.data() + start), last + 1 - start);
  }
}

void Snapshot::apply(uint8_t* memory, uint64_t memory_size, void* instance, const edge_aot_module& module) const {
  const char* src = bytes_.data();
  for (const Span& s : spans_) {
    // Taken from a memory of the same initial size (a growing _initialize is never snapshotted).
    if (uint64_t(s.offset) + s.size <= memory_size) std::memcpy(memory + s.offset, src, s.size);
    src += s.size;
  }
  if (!globals_.empty()) module.load_globals(instance, globals_.data());
}

}  // namespace edge::node::aot
