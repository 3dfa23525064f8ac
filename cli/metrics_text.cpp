#include "metrics_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "edge/core/histogram_quantile.hpp"

namespace edge::metrics {

namespace {

// `{a="x",b="y\"z"}` after a metric name; false when malformed.
bool parse_labels(std::string_view& rest, std::map<std::string, std::string>& out) {
  rest.remove_prefix(1);  // '{'
  while (!rest.empty() && rest.front() != '}') {
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') return false;
    std::string key(rest.substr(0, eq));
    rest.remove_prefix(eq + 2);
    std::string value;
    while (!rest.empty() && rest.front() != '"') {
      if (rest.front() == '\\' && rest.size() > 1) {
        rest.remove_prefix(1);
        value += rest.front() == 'n' ? '\n' : rest.front();
      } else {
        value += rest.front();
      }
      rest.remove_prefix(1);
    }
    if (rest.empty()) return false;
    rest.remove_prefix(1);  // closing quote
    out.emplace(std::move(key), std::move(value));
    if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
  }
  if (rest.empty()) return false;
  rest.remove_prefix(1);  // '}'
  return true;
}

double parse_value(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  text = text.substr(0, text.find(' '));  // a timestamp may follow
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() ? v : std::numeric_limits<double>::quiet_NaN();
}

std::string key_of(const Sample& s) {
  auto at = [&](const char* k) {
    auto it = s.labels.find(k);
    return it == s.labels.end() ? std::string() : it->second;
  };
  return at("client") + "/" + at("service");
}

// One service's series in one scrape.
struct Series {
  std::string client, service, tier;
  double requests = 0, errors = 0, traps = 0, timeouts = 0, in_flight = 0, memory = 0;
  std::map<double, double> buckets;  // upper bound -> cumulative count
};

std::map<std::string, Series> by_service(const std::vector<Sample>& samples) {
  std::map<std::string, Series> out;
  for (const Sample& s : samples) {
    if (!s.name.starts_with("edge_service_")) continue;
    Series& series = out[key_of(s)];
    series.client = s.labels.count("client") ? s.labels.at("client") : "";
    series.service = s.labels.count("service") ? s.labels.at("service") : "";
    const std::string_view name = std::string_view(s.name).substr(13);
    if (name == "requests_total") {
      series.requests += s.value;
      if (s.labels.count("code") && s.labels.at("code") == "5xx") series.errors += s.value;
    } else if (name == "traps_total") {
      series.traps = s.value;
    } else if (name == "timeouts_total") {
      series.timeouts = s.value;
    } else if (name == "memory_bytes") {
      series.memory = s.value;
    } else if (name == "requests_in_flight") {
      series.in_flight = s.value;
    } else if (name == "tier" && s.value > 0 && s.labels.count("tier")) {
      series.tier = s.labels.at("tier");
    } else if (name == "request_duration_seconds_bucket" && s.labels.count("le")) {
      series.buckets[parse_value(s.labels.at("le"))] = s.value;
    }
  }
  return out;
}

double node_value(const std::vector<Sample>& samples, std::string_view name) {
  for (const Sample& s : samples)
    if (s.name == name) return s.value;
  return 0;
}

}  // namespace

std::vector<Sample> parse_text(std::string_view text) {
  std::vector<Sample> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || name_end == 0) continue;
    Sample s;
    s.name = std::string(line.substr(0, name_end));
    std::string_view rest = line.substr(name_end);
    if (rest.front() == '{' && !parse_labels(rest, s.labels)) continue;
    s.value = parse_value(rest);
    if (!std::isnan(s.value)) out.push_back(std::move(s));
  }
  return out;
}

NodeFigures figures(const std::vector<Sample>& before, const std::vector<Sample>& after, double seconds) {
  NodeFigures out;
  out.resident_bytes = node_value(after, "process_resident_memory_bytes");
  out.uptime_seconds = node_value(after, "edge_node_uptime_seconds");
  out.open_connections = node_value(after, "edge_node_open_connections");
  out.queue_depth = node_value(after, "edge_node_queue_depth");
  const auto old = by_service(before);
  for (const auto& [key, now] : by_service(after)) {
    const auto was = old.find(key);
    const Series* prev = was == old.end() ? nullptr : &was->second;
    ServiceFigures f;
    f.client = now.client;
    f.service = now.service;
    f.tier = now.tier;
    f.requests = now.requests;
    f.errors = now.errors;
    f.traps = now.traps;
    f.timeouts = now.timeouts;
    f.in_flight = now.in_flight;
    f.memory_bytes = now.memory;
    const double served = now.requests - (prev ? prev->requests : 0);
    f.requests_per_second = seconds > 0 ? served / seconds : 0;
    // Latency of the interval's requests; of all requests when the interval had none.
    const bool interval = prev && served > 0;
    std::vector<std::pair<double, double>> buckets;
    for (const auto& [le, count] : now.buckets) {
      double earlier = 0;
      if (interval)
        if (auto it = prev->buckets.find(le); it != prev->buckets.end()) earlier = it->second;
      buckets.emplace_back(le, count - earlier);
    }
    f.p50_ms = histogram_quantile(0.5, buckets) * 1000;
    f.p99_ms = histogram_quantile(0.99, buckets) * 1000;
    const double errors = interval ? now.errors - prev->errors : now.errors;
    const double total = interval ? served : now.requests;
    f.error_share = total > 0 ? errors / total : 0;
    out.services.push_back(std::move(f));
  }
  std::stable_sort(out.services.begin(), out.services.end(), [](const auto& a, const auto& b) {
    return a.requests_per_second != b.requests_per_second ? a.requests_per_second > b.requests_per_second
                                                          : a.requests > b.requests;
  });
  return out;
}

nlohmann::json to_json(const NodeFigures& figures) {
  nlohmann::json services = nlohmann::json::array();
  for (const auto& s : figures.services)
    services.push_back({{"client", s.client},
                        {"service", s.service},
                        {"tier", s.tier},
                        {"requestsPerSecond", s.requests_per_second},
                        {"p50Ms", s.p50_ms},
                        {"p99Ms", s.p99_ms},
                        {"errorShare", s.error_share},
                        {"requests", s.requests},
                        {"errors", s.errors},
                        {"traps", s.traps},
                        {"timeouts", s.timeouts},
                        {"inFlight", s.in_flight},
                        {"memoryBytes", s.memory_bytes}});
  return {{"residentBytes", figures.resident_bytes},
          {"uptimeSeconds", figures.uptime_seconds},
          {"openConnections", figures.open_connections},
          {"queueDepth", figures.queue_depth},
          {"services", std::move(services)}};
}

}  // namespace edge::metrics
