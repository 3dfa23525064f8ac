// The http_event message, written straight from the parsed request (see request_driver.hpp for its
// shape). It is made once per request, so it goes to MessagePack directly: building a JSON
// document first, then serialising and freeing it, was a fifth of the host's time per request.
//
// The bytes are those nlohmann::json::to_msgpack gives for the same document (keys in sorted
// order, shortest forms), which the wire-format tests compare: mimik's SDK decodes this message
// with nlohmann::json, and a module must see the same event on every node version.
#include <array>
#include <span>
#include <string_view>

#include "edge/abi_names.hpp"
#include "edge/msgpack_write.hpp"
#include "edge/node/request_driver.hpp"

namespace edge::node {
namespace {

namespace mp = edge::msgpack::detail;

void put_string_map(std::string& out, const std::map<std::string, std::string>& m) {
  mp::put_map_header(out, m.size());
  for (const auto& [k, v] : m) {
    mp::put_str(out, k);
    mp::put_str(out, v);
  }
}

// context.info: the service's own entries, plus these five wherever it has none (mimik's SDK
// decodes strictly, so every key is present). Sorted, for the merge below.
struct InfoDefault {
  std::string_view key;
  std::string_view value;
};

// context.info written as the union of `info` and `defaults`, in key order (both are sorted).
void put_info(std::string& out, const std::map<std::string, std::string>& info, std::span<const InfoDefault> defaults) {
  size_t n = info.size();
  for (const auto& d : defaults) n += info.count(std::string(d.key)) ? 0 : 1;
  mp::put_map_header(out, n);
  auto it = info.begin();
  size_t next = 0;
  while (it != info.end() || next < defaults.size()) {
    if (next == defaults.size() || (it != info.end() && it->first <= defaults[next].key)) {
      if (next < defaults.size() && it->first == defaults[next].key) ++next;  // the service's value wins
      mp::put_str(out, it->first);
      mp::put_str(out, it->second);
      ++it;
    } else {
      mp::put_str(out, defaults[next].key);
      mp::put_str(out, defaults[next].value);
      ++next;
    }
  }
}

}  // namespace

std::string build_event(const ServiceContext& service, const HttpRequest& request) {
  auto api_root = service.env.find("MCM.BASE_API_PATH");
  const std::array<InfoDefault, 5> defaults{{
      {"apiRoot", api_root != service.env.end() ? std::string_view(api_root->second) : std::string_view()},
      {"clientId", ""},
      {"httpPort", ""},
      {"nodeId", ""},
      {"serviceType", "wasm"},
  }};
  std::string out;
  out.reserve(160 + request.url.size() + request.body.size() + 48 * (request.headers.size() + service.env.size()));
  mp::put_map_header(out, 4);
  mp::put_str(out, "id");
  mp::put_uint(out, 0);
  mp::put_str(out, "jsonrpc");
  mp::put_str(out, "2.0");
  mp::put_str(out, "method");
  mp::put_str(out, abi::event::http_event);
  mp::put_str(out, "params");
  mp::put_map_header(out, 2);
  mp::put_str(out, "context");
  mp::put_map_header(out, 2);
  mp::put_str(out, "env");
  put_string_map(out, service.env);
  mp::put_str(out, "info");
  put_info(out, service.info, defaults);
  mp::put_str(out, "request");
  mp::put_map_header(out, 4);
  mp::put_str(out, "headers");
  put_string_map(out, request.headers);
  mp::put_str(out, "jsonBody");
  mp::put_str(out, request.body);
  mp::put_str(out, "method");
  mp::put_str(out, request.method.empty() ? std::string_view("GET") : std::string_view(request.method));
  mp::put_str(out, "url");
  mp::put_str(out, request.url.empty() ? std::string_view("/") : std::string_view(request.url));
  return out;
}

}  // namespace edge::node
