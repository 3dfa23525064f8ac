// Module validation (wabt reader + our ABI checks) on arbitrary bytes.
#include <cstdint>
#include <span>

#include "edge/core/wasm_inspect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto report = edge::validate_module(std::span<const uint8_t>(data, size));
  for (const auto& p : report.problems) (void)p.to_string();
  return 0;
}
