#pragma once
// What the node answers, by door. The node listens on two ports, two origins in a browser:
//
//   the node port       the mCM API under /mcm/v1 (bearer token), every deployed service under
//                       /<clientId>/<base path>/, /healthz; `/` redirects to the dashboard port.
//   the dashboard port  the dashboard page and, for it, the mCM API's read-only calls.
//
// Why two: a service's pages are served from the node port, so a script in them (the proxy
// template passes upstream HTML through) runs on that origin. Were the dashboard there too, that
// script could open it and read the token it keeps. On its own port it is another origin: the
// browser keeps its storage and pages out of reach of every service.
//
// Cheap answers (health, dashboard files, refusals) are given on the I/O thread; guests and mCM
// operations (disk, deploys) run on the ExecutionPool, and a full pool answers 503 at once.
#include <optional>
#include <string>

#include "access_log.hpp"
#include "execution_pool.hpp"
#include "http_server.hpp"
#include "json_rpc.hpp"
#include "node.hpp"

namespace edge::node {

enum class Door { Node, Dashboard };

struct RouteOptions {
  Door door = Door::Node;
  std::optional<std::string> token;  // none: the mCM API needs no token (--no-auth)
  // mim OE's MCM_API_KEY, accepted as the bearer too: the request then acts for the client id of
  // its x-client-id header, or "api" (docs/deploy.md).
  std::optional<std::string> mcm_api_key;
  // GET /metrics, request counting and trace context; null: none of them (--telemetry off).
  NodeMetrics* metrics = nullptr;
  std::optional<std::string> metrics_token;  // besides the token, /metrics takes this (--metrics-token)
  int node_port = 0;                         // where services answer (the dashboard links to them)
  int dashboard_port = 0;                    // where `/` of the node port sends a browser; 0: nowhere
};

class NodeRoutes final : public HttpApplication {
 public:
  NodeRoutes(Node& node, ExecutionPool& pool, AccessLog& access_log, RouteOptions options);
  void set_ports(int node_port, int dashboard_port);  // once both are bound, before serving

  Admission admit(const web::RequestHead& head, std::optional<uint64_t> content_length) override;
  web::Response too_large(const Route& route, uint64_t limit) override;
  void handle(web::Request request, RoutePtr route, ReplyCallback done) override;
  void log(const web::RequestHead& head, const Route* route, int status, std::chrono::microseconds elapsed) override;
  web::Response error(unsigned status, const std::string& message, const std::string& hint) override;

 private:
  // The dashboard page's own restart or remove (the only changes its port accepts).
  bool dashboard_action(const web::RequestHead& head, const std::string& path) const;
  Reply mcm(const web::Request& request, const std::string& path, const std::string& client);
  web::Response too_large_for(const Route& route, uint64_t length, uint64_t limit);
  std::optional<web::Response> metrics_refusal(const web::RequestHead& head) const;
  Reply container_logs(const web::Request& request, const std::string& client, const std::string& id);
  // `owner`: the service whose guest runs (empty for the node's own work), `cap` its concurrency.
  std::optional<Reply> run_inline(const RunningService& service, const web::Request& request, const Route& route);
  void run_on_pool(ReplyCallback done, std::function<Reply()> work, const std::string& owner = {}, size_t cap = 0);

  Node& node_;
  ExecutionPool& pool_;
  AccessLog& access_log_;
  RouteOptions options_;
  NodeJsonRpc json_rpc_;  // POST /jsonrpc/v1 on the node port
};

// The path of a request target: before '?', percent-decoded (as services and routes match it).
std::string decoded_path(std::string_view target);

}  // namespace edge::node
