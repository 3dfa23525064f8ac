#pragma once
// Spans out over OTLP/HTTP (JSON encoding) when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: one span per request the node answers and one per
// outbound fetch, batched by a thread of its own. A request only appends to a bounded queue:
// a slow or dead collector never slows one. What cannot be queued or sent is dropped and counted.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "edge/node/trace_context.hpp"

namespace edge::node {

struct Span {
  enum class Kind { Server = 2, Client = 3 };  // OTLP's SpanKind values
  std::string trace_id, span_id, parent_span_id;
  std::string name;  // "GET /hello/v1", "fetch GET"
  Kind kind = Kind::Server;
  std::chrono::system_clock::time_point start, end;
  std::vector<std::pair<std::string, std::string>> attributes;
  int status_code = 0;  // the HTTP status (0: none came)
  bool error = false;
};

class SpanExporter {
 public:
  // From the environment (the OpenTelemetry variables); nullopt when no endpoint is set.
  static std::unique_ptr<SpanExporter> from_environment(const std::string& service_name);
  // `traces_url`: the full URL spans are POSTed to, "http://HOST:PORT/v1/traces".
  SpanExporter(std::string traces_url, std::string service_name);
  ~SpanExporter();  // sends what is queued, within a second
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  void record(Span span);  // never blocks on the network
  uint64_t exported() const;
  uint64_t dropped() const;
  const std::string& url() const { return url_; }

 private:
  static constexpr size_t kMaxQueued = 4096, kBatch = 512;
  void run();
  bool send(const std::vector<Span>& batch);

  std::string url_, service_name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Span> queue_;
  bool stopping_ = false;
  uint64_t exported_ = 0, dropped_ = 0;
  std::thread sender_;
};

}  // namespace edge::node
