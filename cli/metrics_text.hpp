#pragma once
// What `edge top` reads: the Prometheus text format a node serves at /metrics, and per-service
// figures from two scrapes (rates need two). Only what the format's samples say is used: no
// names beyond edge-node's own (docs/node.md, "Monitoring").
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edge::metrics {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample of a scrape; comments and malformed lines are skipped.
std::vector<Sample> parse_text(std::string_view text);

struct ServiceFigures {
  std::string client, service, tier;
  double requests_per_second = 0;
  double p50_ms = 0, p99_ms = 0;  // of the requests between the two scrapes (of all, if none came)
  double error_share = 0;         // 5xx among them
  double requests = 0, errors = 0, traps = 0, timeouts = 0;  // since the service was deployed
  double in_flight = 0;
  double memory_bytes = 0;  // the last instance's linear memory
};

struct NodeFigures {
  double resident_bytes = 0, uptime_seconds = 0, open_connections = 0, queue_depth = 0;
  std::vector<ServiceFigures> services;  // busiest first
};

// `before` and `after`: two scrapes `seconds` apart.
NodeFigures figures(const std::vector<Sample>& before, const std::vector<Sample>& after, double seconds);

nlohmann::json to_json(const NodeFigures& figures);

}  // namespace edge::metrics
