#pragma once
// edge::random_id(): an identifier for a new item, request or upload: 16 random bytes (WASI
// random_get on the node; getentropy off wasm, for host-compiled tests) as 32 hex digits.
#include <unistd.h>

#include <string>

#include "edge/abi.hpp"

namespace edge {

inline std::string random_id() {
  unsigned char bytes[16] = {};
#if !defined(__wasm__)
  if (const auto& random = abi::host_transport().random_bytes) random(bytes, sizeof bytes);  // a test's own
  else
#endif
    (void)getentropy(bytes, sizeof bytes);  // at most 256 bytes, never interrupted: cannot fail here
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace edge
