#include "edge/core/build_marker.hpp"

#include <string>

namespace edge {
namespace {

constexpr std::string_view kDebugPayload = "debug";

void put_leb(std::vector<uint8_t>& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

// Reads an unsigned LEB128 at `pos`; false on overrun or more than 5 bytes.
bool get_leb(std::span<const uint8_t> in, size_t& pos, uint32_t& v) {
  v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos >= in.size()) return false;
    uint8_t b = in[pos++];
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

void append_debug_marker(std::vector<uint8_t>& wasm) {
  std::vector<uint8_t> body;
  put_leb(body, uint32_t(kBuildMarkerSection.size()));
  body.insert(body.end(), kBuildMarkerSection.begin(), kBuildMarkerSection.end());
  body.insert(body.end(), kDebugPayload.begin(), kDebugPayload.end());
  wasm.push_back(0);  // custom section
  put_leb(wasm, uint32_t(body.size()));
  wasm.insert(wasm.end(), body.begin(), body.end());
}

bool has_debug_marker(std::span<const uint8_t> wasm) {
  size_t pos = 8;  // magic and version
  while (pos < wasm.size()) {
    uint8_t id = wasm[pos++];
    uint32_t size = 0;
    if (!get_leb(wasm, pos, size) || size > wasm.size() - pos) return false;
    const size_t end = pos + size;
    if (id == 0) {
      size_t at = pos;
      uint32_t name_len = 0;
      if (get_leb(wasm, at, name_len) && name_len <= end - at) {
        std::string_view name(reinterpret_cast<const char*>(wasm.data() + at), name_len);
        std::string_view payload(reinterpret_cast<const char*>(wasm.data() + at + name_len), end - at - name_len);
        if (name == kBuildMarkerSection && payload == kDebugPayload) return true;
      }
    }
    pos = end;
  }
  return false;
}

}  // namespace edge
