#pragma once
// edge.request_bep the whole way, as mimik's C++ SDK v2.0.x performs it: an edge HMAC code from
// the node's own JSON-RPC API (POST http://localhost:<httpPort>/jsonrpc/v1, getEdgeHmacCode, good
// for ten minutes), then edge.request_bep with that code. The answer is the BEP: the address at
// which the node's services are reached (on the reference node, the node's own).
//   edge::edge_api::request_bep(req, access_token, [&res](edge::Result<std::string> bep) { ... });
// Opt-in (it brings edge/json.hpp); edge_api::request_bep(code, done) in edge/host.hpp takes a
// code you already have.
#include <functional>
#include <string>
#include <string_view>

#include "edge/abi_names.hpp"
#include "edge/host.hpp"
#include "edge/http.hpp"
#include "edge/json.hpp"
#include "edge/time.hpp"

namespace edge::edge_api {

inline void request_bep(const Request& req, std::string_view access_token,
                        std::function<void(Result<std::string>)> done) {
  const std::string port = req.info("httpPort");
  if (port.empty()) return done(Result<std::string>::failure("the event names no httpPort (context.info)"));
  http::FetchRequest rpc;
  rpc.url = "http://localhost:" + port + "/jsonrpc/v1";
  rpc.method = "POST";
  rpc.headers.set("content-type", "application/json");
  rpc.body =
      Json::object({{"id", 1},
                    {"jsonrpc", "2.0"},
                    {"method", std::string(abi::node_rpc::get_edge_hmac_code)},
                    {"params", Json::array({std::string(access_token), std::to_string(time::now_ms() / 1000 + 600),
                                            req.info("nodeId"), "jsapi://requestBep"})}})
          .dump();
  http::fetch(rpc, [done = std::move(done)](Result<http::FetchResponse> answer) mutable {
    if (!answer) return done(Result<std::string>::failure(answer.error()));
    auto body = Json::parse(answer->body);
    const Json* result = body ? body->find("result") : nullptr;
    const Json* code = result ? result->find("edgeHmacCode") : nullptr;
    if (!code || !code->is_string())
      return done(Result<std::string>::failure(std::string(abi::node_rpc::get_edge_hmac_code) +
                                               " gave no code: " + answer->body.substr(0, 200)));
    request_bep(code->as_string(), std::move(done));
  });
}

}  // namespace edge::edge_api
