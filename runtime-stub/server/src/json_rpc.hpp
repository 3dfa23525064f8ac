#pragma once
// POST /jsonrpc/v1: the part of a node's JSON-RPC API that services and mimik's SDK use locally.
//   getEdgeHmacCode [accessToken, expiry, nodeId, uri] -> {"edgeHmacCode": "<hex>"}: what mimik's
//       C++ SDK asks for before edge.request_bep; the code is good until `expiry` (unix seconds,
//       at most an hour ahead) and edge.request_bep accepts it (engine.hpp).
//   getMe -> {"nodeId": "<client id>", "account": null}: this node, which no mimik account owns.
//   getEdgeIdToken -> an error: the reference node has no cloud identity to sign one with.
// Anything else: JSON-RPC's "method not found". Shapes: ../shared/reference/edgeengine-compat.md.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edge::node {

class NodeJsonRpc {
 public:
  explicit NodeJsonRpc(std::string node_id);
  // The JSON-RPC 2.0 answer to one request body (never throws).
  nlohmann::json answer(std::string_view body) const;

 private:
  std::string node_id_;
  std::string secret_;  // per process: codes do not outlive the node
};

}  // namespace edge::node
