// Image reading (tar + docker-save JSON): hostile uploads must be refused, never crash the node.
#include <cstdint>
#include <span>

#include "edge/core/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)edge::read_image(std::span<const uint8_t>(data, size));
  return 0;
}
