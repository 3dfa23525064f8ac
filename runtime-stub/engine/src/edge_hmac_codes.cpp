// The codes of getEdgeHmacCode (engine.hpp): issued by the server's /jsonrpc/v1, redeemed by
// edge.request_bep in a guest's request. A small map: codes live ten minutes or less.
#include <map>
#include <mutex>

#include "edge/node/engine.hpp"

namespace edge::node {
namespace {

std::mutex g_mu;
std::map<std::string, std::chrono::system_clock::time_point> g_codes;
constexpr size_t kMaxCodes = 4096;  // a client asking for codes in a loop cannot grow this forever

}  // namespace

void issue_edge_hmac_code(const std::string& code, std::chrono::system_clock::time_point expiry) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(g_mu);
  std::erase_if(g_codes, [&](const auto& entry) { return entry.second <= now; });
  if (g_codes.size() >= kMaxCodes) g_codes.erase(g_codes.begin());
  g_codes[code] = expiry;
}

bool edge_hmac_code_valid(const std::string& code) {
  std::lock_guard lock(g_mu);
  auto it = g_codes.find(code);
  return it != g_codes.end() && it->second > std::chrono::system_clock::now();
}

}  // namespace edge::node
