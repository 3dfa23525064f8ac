#include "json_rpc.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <charconv>

#include <fmt/format.h>

#include "edge/abi_names.hpp"
#include "edge/utf8.hpp"
#include "edge/node/engine.hpp"
#include "node_identity.hpp"
#include "edge/core/json_text.hpp"

namespace edge::node {
using json = nlohmann::json;

namespace {

json failure(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json success(const json& id, json result) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}; }

std::string hmac_hex(const std::string& key, const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(text.data()), text.size(), md,
       &len);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

}  // namespace

NodeJsonRpc::NodeJsonRpc(std::string node_id) : node_id_(std::move(node_id)), secret_(random_hex(32)) {}

json NodeJsonRpc::answer(std::string_view body) const {
  // Its calls are tiny: the same depth limit as image metadata before the recursive parser.
  if (nests_deeper_than(body, 32)) return failure(nullptr, -32700, "parse error: the body nests deeper than 32 levels");
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded()) return failure(nullptr, -32700, "parse error: the body is not JSON");
  if (!request.is_object() || !request.contains("method") || !request["method"].is_string())
    return failure(nullptr, -32600,
                   "invalid request: send {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":...,\"params\":[...]}");
  const json id = request.value("id", json());
  const std::string method = request["method"];
  const json params = request.value("params", json::array());

  if (method == abi::node_rpc::get_edge_hmac_code) {
    // [accessToken, expiry (unix seconds, a string or a number), nodeId, uri]
    if (!params.is_array() || params.size() < 4)
      return failure(id, -32602, fmt::format("{} takes [accessToken, expiry, nodeId, uri]", method));
    const auto now = std::chrono::system_clock::now();
    int64_t expiry = 0;
    if (params[1].is_number_integer()) expiry = params[1].get<int64_t>();
    else if (params[1].is_string()) {
      const std::string& s = params[1].get_ref<const std::string&>();
      std::from_chars(s.data(), s.data() + s.size(), expiry);
    }
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (expiry <= now_s)
      return failure(id, -32602, fmt::format("{}: the expiry is not in the future (unix seconds)", method));
    expiry = std::min(expiry, now_s + 3600);
    const std::string code = hmac_hex(secret_, edge::json_text(params));
    issue_edge_hmac_code(code, std::chrono::system_clock::time_point(std::chrono::seconds(expiry)));
    return success(id, {{"edgeHmacCode", code}});
  }
  if (method == abi::node_rpc::get_me) return success(id, {{"nodeId", node_id_}, {"account", nullptr}});
  if (method == abi::node_rpc::get_edge_id_token)
    return failure(
        id, -32000,
        fmt::format("{}: the reference node has no mimik cloud identity to sign an edge id token with", method));
  return failure(id, -32601, "method not found: " + std::string(utf8::prefix(method, 100)));
}

}  // namespace edge::node
