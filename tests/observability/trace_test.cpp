// One trace across two real nodes (issue 26): a client's traceparent reaches node A, A's proxy
// service fetches a service on node B, and both access logs, A's service log and the spans an
// OTLP/HTTP collector in this test receives agree on one trace id and on who is whose parent.
#include <mutex>
#include <thread>

#include <doctest/doctest.h>

#include "metrics_text.hpp"
#include "observability_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::observability;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kCallerSpan = "00f067aa0ba902b7";

// An OTLP/HTTP (JSON) collector: keeps every span POSTed to /v1/traces.
class Collector {
 public:
  Collector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
      auto body = json::parse(req.body, nullptr, false);
      std::lock_guard lock(mu_);
      if (!body.is_discarded())
        for (const auto& rs : body["resourceSpans"])
          for (const auto& ss : rs["scopeSpans"])
            for (const auto& span : ss["spans"]) spans_.push_back(span);
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<json> spans() {
    std::lock_guard lock(mu_);
    return spans_;
  }
  // The span with this id, waiting for the exporters' batches (a second each); null if none came.
  json span(const std::string& id) {
    for (auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(100ms))
      for (const auto& s : spans())
        if (s.value("spanId", "") == id) return s;
    return nullptr;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> spans_;
};

// The JSON access-log lines of `node` for requests whose path starts with `path`.
std::vector<json> access_lines(const NodeProcess& node, const std::string& path) {
  std::vector<json> out;
  for (auto until = std::chrono::steady_clock::now() + 20s; out.empty() && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(50ms)) {
    const std::string log = node.log();
    size_t start = 0;
    while (start < log.size()) {
      size_t nl = log.find('\n', start);
      if (nl == std::string::npos) nl = log.size();
      auto line = json::parse(log.substr(start, nl - start), nullptr, false);
      if (line.is_object() && line.value("path", "").starts_with(path)) out.push_back(line);
      start = nl + 1;
    }
  }
  return out;
}

// Sets an environment variable for the nodes this test starts; unset at scope exit.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  const char* name_;
};

NodeProcess::Options json_logging(const std::filesystem::path& data) {
  return node_options(data, {"--log-format", "json"});
}

}  // namespace

TEST_CASE("a request that crosses two nodes keeps one trace id: logs and OTLP spans agree") {
  Collector collector;
  ScopedEnv otlp("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url());
  TempDir tmp;
  NodeProcess b(json_logging(tmp / "b"));
  REQUIRE(b.start());
  security::deploy(*client(b), "hello-v1", "node_hello_v1", "hello-v1");
  NodeProcess a(json_logging(tmp / "a"));
  REQUIRE(a.start());
  auto cli_a = client(a);
  security::deploy(*cli_a, "px", "template_proxy", "px",
                   {{"MCM.BASE_API_PATH", "/px/v1"}, {"PROXY_ALLOW", "http://127.0.0.1:"}});

  httplib::Client c("127.0.0.1", a.port());
  c.set_read_timeout(30, 0);
  const std::string hello = b.url() + service_path(b, "/hello/v1") + "/";
  auto res = c.Get(service_path(a, "/px/v1") + "/fetch?url=" + hello,
                   httplib::Headers{{"traceparent", std::string("00-") + kTrace + "-" + kCallerSpan + "-01"}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->body == "hello v1");

  const auto on_a = access_lines(a, service_path(a, "/px/v1"));
  const auto on_b = access_lines(b, service_path(b, "/hello/v1"));
  INFO("node A:\n" << a.log() << "\nnode B:\n" << b.log());
  REQUIRE(on_a.size() == 1);
  REQUIRE(on_b.size() == 1);
  CHECK(on_a[0]["traceId"] == kTrace);
  CHECK(on_a[0]["parentSpanId"] == kCallerSpan);
  CHECK(on_a[0]["service"] == "px");
  CHECK(on_a[0].contains("tier"));
  CHECK(on_b[0]["traceId"] == kTrace);
  const std::string a_span = on_a[0]["spanId"], fetch_span = on_b[0]["parentSpanId"];
  CHECK(fetch_span != a_span);  // B's caller is A's fetch, a child of A's request span
  CHECK(fetch_span != kCallerSpan);

  // The spans: A's request under the caller, A's fetch under A's request, B's request under the fetch.
  const json a_request = collector.span(a_span), fetch = collector.span(fetch_span),
             b_request = collector.span(on_b[0]["spanId"]);
  REQUIRE(!a_request.is_null());
  REQUIRE(!fetch.is_null());
  REQUIRE(!b_request.is_null());
  CHECK(a_request["parentSpanId"] == kCallerSpan);
  CHECK(a_request["kind"] == 2);
  CHECK(fetch["parentSpanId"] == a_span);
  CHECK(fetch["kind"] == 3);
  CHECK(b_request["parentSpanId"] == fetch_span);
  for (const json* s : {&a_request, &fetch, &b_request}) CHECK((*s)["traceId"] == kTrace);

  // The proxy's own log line carries the trace id.
  CHECK(security::service_log(*cli_a, "px").find(std::string("trace=") + kTrace) != std::string::npos);
}

TEST_CASE("a request without traceparent starts a trace, and a malformed one is replaced, not passed on") {
  TempDir tmp;
  NodeProcess n(json_logging(tmp / "data"));
  REQUIRE(n.start());
  httplib::Client c("127.0.0.1", n.port());
  REQUIRE(c.Get("/healthz"));
  REQUIRE(c.Get("/healthz?bad",
                httplib::Headers{{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}));
  const auto lines = access_lines(n, "/healthz");
  REQUIRE(lines.size() == 2);
  for (const auto& line : lines) {
    CHECK(line["traceId"].get<std::string>().size() == 32);
    CHECK(line["traceId"] != "00000000000000000000000000000000");
    CHECK(!line.contains("parentSpanId"));
  }
  CHECK(lines[0]["traceId"] != lines[1]["traceId"]);
}

TEST_CASE("a collector that never answers slows no request: spans are dropped and counted") {
  security::SilentUpstream collector(1024);  // accepts the exporter's connections, never answers
  TempDir tmp;
  NodeProcess plain(node_options(tmp / "plain"));
  REQUIRE(plain.start());
  security::deploy(*client(plain), "hello-v1", "node_hello_v1", "hello-v1");
  ScopedEnv otlp("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port()));
  NodeProcess exporting(node_options(tmp / "exporting"));
  REQUIRE(exporting.start());
  security::deploy(*client(exporting), "hello-v1", "node_hello_v1", "hello-v1");

  // 6,000 requests: more spans than the exporter queues (4,096), over more than one batch period.
  auto serve = [](const NodeProcess& n) {
    httplib::Client c("127.0.0.1", n.port());
    int ok = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 6000; ++i)
      if (auto r = c.Get(service_path(n, "/hello/v1") + "/"); r && r->status == 200) ++ok;
    return std::pair{ok, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
  };
  const auto [plain_ok, plain_s] = serve(plain);
  const auto [exp_ok, exp_s] = serve(exporting);
  MESSAGE("6,000 hellos: " << plain_s << " s without an exporter, " << exp_s << " s with a silent collector");
  CHECK(plain_ok == 6000);
  CHECK(exp_ok == 6000);
  CHECK(exp_s < 3 * plain_s + 1);  // a ratio to the same run's baseline: no request waited on the collector
  bool dropped = false;
  for (const auto& s : edge::metrics::parse_text(scrape(exporting)))
    if (s.name == "edge_node_spans_dropped_total" && s.value > 0) dropped = true;
  CHECK(dropped);
}
