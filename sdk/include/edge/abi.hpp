#pragma once
// The guest side of the serverless ABI 2.0.0, declared from the single description in
// edge/abi.def. On wasm the imports are real `env` imports. On a host build (unit tests) they
// route to edge::abi::host_transport(), which a test replaces to play the edgeEngine host.
//
// The rest of the SDK talks only to the three wrappers below (api_request, get_buffer,
// set_buffer), which take real pointers: wasm32 passes them as i32, a host build cannot.
#include <cstddef>
#include <cstdint>

#if defined(__wasm__)

#include "edge/detail/lean_runtime.hpp"

#define EDGE_ABI_IMPORT(name, result, params) \
  extern "C" __attribute__((import_module("env"), import_name(#name))) result name params;
#define EDGE_ABI_EXPORT(name, result, params) extern "C" __attribute__((export_name(#name))) result name params;
#include "edge/abi.def"

namespace edge::abi {
inline int32_t addr(const void* p) { return static_cast<int32_t>(reinterpret_cast<uintptr_t>(p)); }
inline void api_request(int32_t session, const void* data, size_t len) {
  mk_module_api_request(session, addr(data), static_cast<int32_t>(len));
}
inline void get_buffer(void* dst, int64_t host_ref, size_t len) {
  mk_module_get_buffer(addr(dst), host_ref, static_cast<int32_t>(len));
}
inline void set_buffer(int64_t host_ref, const void* src, size_t len) {
  mk_module_set_buffer(host_ref, addr(src), static_cast<int32_t>(len));
}
}  // namespace edge::abi

#else  // host build: the exports are plain C functions a test calls

#include <functional>

#define EDGE_ABI_EXPORT(name, result, params) extern "C" result name params;
#include "edge/abi.def"

namespace edge::abi {

// What a test host implements: the three imports, with real pointers.
struct Transport {
  std::function<void(int32_t session, const void* data, size_t len)> api_request;
  std::function<void(void* dst, int64_t host_ref, size_t len)> get_buffer;
  std::function<void(int64_t host_ref, const void* src, size_t len)> set_buffer;
  // WASI, not the ABI, but a test wants them under its control too: when set, edge::time and
  // edge::random_id read these instead of the host's clock and entropy.
  std::function<int64_t()> clock_ms;
  std::function<void(void* dst, size_t len)> random_bytes;
};

inline Transport& host_transport() {
  static Transport t;
  return t;
}

inline void api_request(int32_t session, const void* data, size_t len) {
  if (host_transport().api_request) host_transport().api_request(session, data, len);
}
inline void get_buffer(void* dst, int64_t host_ref, size_t len) {
  if (host_transport().get_buffer) host_transport().get_buffer(dst, host_ref, len);
}
inline void set_buffer(int64_t host_ref, const void* src, size_t len) {
  if (host_transport().set_buffer) host_transport().set_buffer(host_ref, src, len);
}

}  // namespace edge::abi

#endif
