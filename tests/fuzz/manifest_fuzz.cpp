// edge.yaml parsing: any bytes give a manifest or an error, never a crash or an exception.
#include <cstdint>
#include <string>

#include "edge/core/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = edge::parse_manifest(std::string(reinterpret_cast<const char*>(data), size));
  if (m.ok()) (void)edge::to_yaml(*m);
  return 0;
}
