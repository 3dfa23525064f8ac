#include "span_exporter.hpp"

#include <cstdlib>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "edge/core/json_text.hpp"

namespace edge::node {

namespace {

std::string nanos(std::chrono::system_clock::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

nlohmann::json attribute(const std::string& key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

// "http://host:port/path" -> {"http://host:port", "/path"}; nullopt for anything else (https
// needs TLS in the exporter, which it does not have: the collector is usually on the LAN).
std::optional<std::pair<std::string, std::string>> split_url(const std::string& url) {
  if (!url.starts_with("http://")) return std::nullopt;
  const auto slash = url.find('/', 7);
  if (slash == std::string::npos) return std::pair{url, std::string("/")};
  return std::pair{url.substr(0, slash), url.substr(slash)};
}

}  // namespace

std::unique_ptr<SpanExporter> SpanExporter::from_environment(const std::string& service_name) {
  if (const char* traces = std::getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); traces && *traces)
    return std::make_unique<SpanExporter>(traces, service_name);
  const char* base = std::getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!base || !*base) return nullptr;
  std::string url(base);
  if (url.ends_with('/')) url.pop_back();
  return std::make_unique<SpanExporter>(url + "/v1/traces", service_name);
}

SpanExporter::SpanExporter(std::string traces_url, std::string service_name)
    : url_(std::move(traces_url)), service_name_(std::move(service_name)), sender_([this] { run(); }) {}

SpanExporter::~SpanExporter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  sender_.join();
}

void SpanExporter::record(Span span) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(span));
    if (queue_.size() < kBatch) return;
  }
  cv_.notify_one();
}

uint64_t SpanExporter::exported() const {
  std::lock_guard lock(mu_);
  return exported_;
}

uint64_t SpanExporter::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void SpanExporter::run() {
  std::unique_lock lock(mu_);
  while (true) {
    // A batch a second, or sooner when one is full.
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || queue_.size() >= kBatch; });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    std::vector<Span> batch;
    batch.swap(queue_);
    const bool last = stopping_;
    lock.unlock();
    const bool sent = send(batch);
    lock.lock();
    (sent ? exported_ : dropped_) += batch.size();
    if (last) return;
  }
}

bool SpanExporter::send(const std::vector<Span>& batch) {
  auto where = split_url(url_);
  if (!where) return false;
  nlohmann::json spans = nlohmann::json::array();
  for (const Span& s : batch) {
    nlohmann::json span = {{"traceId", s.trace_id},
                           {"spanId", s.span_id},
                           {"name", s.name},
                           {"kind", int(s.kind)},
                           {"startTimeUnixNano", nanos(s.start)},
                           {"endTimeUnixNano", nanos(s.end)},
                           {"status", {{"code", s.error ? 2 : 0}}}};
    if (!s.parent_span_id.empty()) span["parentSpanId"] = s.parent_span_id;
    nlohmann::json attributes = nlohmann::json::array();
    for (const auto& [key, value] : s.attributes) attributes.push_back(attribute(key, value));
    if (s.status_code)
      attributes.push_back(
          {{"key", "http.response.status_code"}, {"value", {{"intValue", std::to_string(s.status_code)}}}});
    span["attributes"] = std::move(attributes);
    spans.push_back(std::move(span));
  }
  const nlohmann::json body = {
      {"resourceSpans",
       {{{"resource", {{"attributes", {attribute("service.name", service_name_)}}}},
         {"scopeSpans", {{{"scope", {{"name", "edge-node"}}}, {"spans", std::move(spans)}}}}}}}};
  httplib::Client client(where->first);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  auto res = client.Post(where->second, edge::json_text(body), "application/json");
  return res && res->status >= 200 && res->status < 300;
}

}  // namespace edge::node
