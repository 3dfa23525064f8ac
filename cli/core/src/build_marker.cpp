#include "edge/core/build_marker.hpp"

#include "edge/core/wasm_reader.hpp"

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
  bool found = false;
  wasm::for_each_section(wasm, [&](const wasm::Section& s) {
    found = found || (s.id == 0 && s.name == kBuildMarkerSection &&
                      std::string_view(reinterpret_cast<const char*>(s.body.data()), s.body.size()) == kDebugPayload);
  });
  return found;
}

}  // namespace edge
