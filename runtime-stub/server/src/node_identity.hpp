#pragma once
// Who the node is and who may manage it: the client id (part of every container id and service
// URL) and the bearer token of the mCM API, both kept in the data dir.
#include <filesystem>
#include <optional>
#include <string>

#include "edge/core/result.hpp"

namespace edge::node {

struct NodeIdentity {
  std::string client_id;
  std::optional<std::string> token;        // none: --no-auth
  std::filesystem::path token_file;        // where the token lives (printed at start, never the token)
  bool token_created = false;              // this start created it
  std::optional<unsigned> tightened_from;  // the data dir's mode before this start made it 0700
  // mim OE's API key (docs/deploy.md): also accepted as the bearer of the mCM API, with the client
  // id of the x-client-id header or "api". None with --no-auth.
  std::optional<std::string> mcm_api_key;
  std::filesystem::path api_key_file;  // mimoe-api-key.env: MCM_API_KEY=..., ACCOUNT_API_KEY=...
  bool api_key_created = false;
};

// $EDGE_NODE_DATA_DIR, else ~/.edge-node (./.edge-node without $HOME).
std::filesystem::path default_data_dir();

// Client id: `given`, else <data-dir>/client-id, else a new one written there.
// Token: `given_token`, else <data-dir>/token, else a new one written there with mode 0600.
// A given token is also written to <data-dir>/token so local clients (`edge deploy`) find it.
// API key: from `api_key_file` (default <data-dir>/mimoe-api-key.env), created there with new
// keys (mode 0600) when missing, as mim OE does at first start.
Result<NodeIdentity> load_identity(const std::filesystem::path& data_dir, const std::string& given_client_id,
                                   const std::string& given_token, bool no_auth,
                                   const std::filesystem::path& api_key_file = {});

// Equal strings, compared in time that depends only on the length of `expected`.
bool constant_time_equal(std::string_view given, std::string_view expected);

std::string random_hex(size_t bytes);

}  // namespace edge::node
