// GET /metrics against a real edge-node (issue 26): Debian's Prometheus server scrapes it and
// stores what the test sent, promtool accepts the text, the token guards it, labels stay bounded,
// and `edge top --json` reads it while the node is under load.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include <doctest/doctest.h>

#include "metrics_text.hpp"
#include "observability_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::observability;
using namespace std::chrono_literals;

TEST_CASE("a real Prometheus server scrapes the node and stores what was sent: 1,000 answers, 7 traps") {
  const std::string prometheus = find_program("prometheus");
  if (prometheus.empty()) return skip_test("Debian's prometheus is not installed (scripts/setup.sh installs it)");
  security::ServingNode serving;  // hello-v1 deployed
  const TempDir& tmp = serving.tmp;
  NodeProcess& n = serving.node;
  auto& cli = serving.cli;
  security::deploy(*cli, "trap-v1", "node_trap", "trap-v1", {{"MCM.BASE_API_PATH", "/trap/v1"}});

  httplib::Client c("127.0.0.1", n.port());
  int ok = 0, failed = 0;
  for (int i = 0; i < 1000; ++i)
    if (auto r = c.Get(service_path(n, "/hello/v1") + "/"); r && r->status == 200) ++ok;
  for (int i = 0; i < 7; ++i)
    if (auto r = c.Get(service_path(n, "/trap/v1") + "/"); r && r->status == 500) ++failed;
  REQUIRE(ok == 1000);
  REQUIRE(failed == 7);

  // Prometheus scrapes every second with the node's token, from a file as an operator would.
  write_file(tmp / "token", n.token());
  const int prom_port = free_port();
  write_file(tmp / "prometheus.yml", fmt_config(n.port(), (tmp / "token").string()));
  Process server(
      {prometheus, "--config.file=" + (tmp / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (tmp / "tsdb").string(), "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
      tmp / "prometheus.log");
  httplib::Client prom("127.0.0.1", prom_port);
  prom.set_read_timeout(10, 0);
  auto query = [&](const std::string& expr) -> std::optional<double> {
    auto r = prom.Get("/api/v1/query", httplib::Params{{"query", expr}}, httplib::Headers{});
    if (!r || r->status != 200) return std::nullopt;
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.contains("data") || j["data"]["result"].empty()) return std::nullopt;
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  };
  // Liveness bound: Prometheus starts, scrapes within its 1 s interval; 120 s is far beyond both.
  std::optional<double> hello, errors, traps;
  for (auto until = std::chrono::steady_clock::now() + 120s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(500ms)) {
    hello = query(R"(edge_service_requests_total{service="hello-v1",code="2xx"})");
    errors = query(R"(edge_service_requests_total{service="trap-v1",code="5xx"})");
    traps = query(R"(edge_service_traps_total{service="trap-v1"})");
    if (hello && errors && traps) break;
  }
  INFO("prometheus log:\n" << read_file(tmp / "prometheus.log").substr(0, 4000));
  REQUIRE(hello);
  CHECK(*hello == 1000);
  CHECK(errors.value_or(-1) == 7);
  CHECK(traps.value_or(-1) == 7);
  CHECK(query(R"(sum(edge_service_request_duration_seconds_count{service="hello-v1"}))").value_or(-1) == 1000);
  CHECK(query(R"(up{job="edge-node"})").value_or(0) == 1);
}

TEST_CASE("promtool accepts the node's metrics, and every family named in the docs is there") {
  const std::string promtool = find_program("promtool");
  if (promtool.empty()) return skip_test("Debian's prometheus (promtool) is not installed");
  security::ServingNode serving;  // hello-v1 deployed
  const TempDir& tmp = serving.tmp;
  NodeProcess& n = serving.node;
  httplib::Client c("127.0.0.1", n.port());
  REQUIRE(c.Get(service_path(n, "/hello/v1") + "/"));
  const std::string text = scrape(n);
  write_file(tmp / "metrics.txt", text);
  auto check = run({"sh", "-c", promtool + " check metrics < " + (tmp / "metrics.txt").string()});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  for (const std::string family : {"edge_service_requests_total",
                                   "edge_service_request_duration_seconds",
                                   "edge_service_requests_in_flight",
                                   "edge_service_instances_started_total",
                                   "edge_service_traps_total",
                                   "edge_service_timeouts_total",
                                   "edge_service_refusals_total",
                                   "edge_service_fetches_total",
                                   "edge_service_fetch_duration_seconds",
                                   "edge_service_tier",
                                   "edge_service_memory_bytes",
                                   "edge_node_open_connections",
                                   "edge_node_queue_depth",
                                   "edge_node_queue_wait_seconds",
                                   "process_resident_memory_bytes",
                                   "process_open_fds",
                                   "edge_node_uptime_seconds",
                                   "edge_node_images",
                                   "edge_node_containers",
                                   "edge_node_compile_cache_bytes"}) {
    CAPTURE(family);
    CHECK(text.find("# TYPE " + family + " ") != std::string::npos);
  }
  // The doc names each of them too (docs/node.md, "Monitoring").
  const std::string doc = read_file(source_dir() / "docs" / "node.md");
  for (const std::string family :
       {"edge_service_requests_total", "edge_service_tier", "edge_node_queue_wait_seconds", "edge_compiles_total",
        "edge_node_spans_dropped_total", "edge_service_compile_seconds", "edge_service_compile_failures"}) {
    CAPTURE(family);
    CHECK(doc.find(family) != std::string::npos);
  }
}

TEST_CASE("/metrics takes the node's token or the --metrics-token, and nothing else") {
  TempDir tmp;
  NodeProcess n(node_options(tmp / "data", {"--metrics-token", "scraper-secret"}));
  REQUIRE(n.start());
  httplib::Client c("127.0.0.1", n.port());
  auto with = [&](const std::string& bearer) {
    httplib::Headers h;
    if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
    auto r = c.Get("/metrics", h);
    return r ? r->status : 0;
  };
  CHECK(with("") == 401);
  CHECK(with("wrong") == 403);
  CHECK(with(n.token()) == 200);
  CHECK(with("scraper-secret") == 200);
  // The metrics token opens nothing else.
  httplib::Headers h{{"Authorization", "Bearer scraper-secret"}};
  auto images = c.Get("/mcm/v1/images", h);
  REQUIRE(images);
  CHECK(images->status == 403);
}

TEST_CASE("labels stay bounded: 300 distinct URLs and refusals add no series") {
  TempDir tmp;
  NodeProcess n(node_options(tmp / "data"));
  REQUIRE(n.start());
  auto cli = client(n);
  security::deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1", {{"EDGE_MAX_BODY_BYTES", "16"}});
  httplib::Client c("127.0.0.1", n.port());
  REQUIRE(c.Get(service_path(n, "/hello/v1") + "/"));
  auto series = [&] {
    size_t count = 0;
    for (const auto& s : edge::metrics::parse_text(scrape(n)))
      if (s.name.starts_with("edge_service_")) ++count;
    return count;
  };
  const size_t before = series();
  for (int i = 0; i < 300; ++i)
    c.Get(service_path(n, "/hello/v1") + "/item/" + std::to_string(i) + "?q=" + std::to_string(i));
  auto big = c.Post(service_path(n, "/hello/v1") + "/", std::string(1000, 'x'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(series() == before);
  // ... and the refusal was counted against its service.
  bool refused = false;
  for (const auto& s : edge::metrics::parse_text(scrape(n)))
    if (s.name == "edge_service_refusals_total" && s.labels.at("code") == "413" && s.value == 1) refused = true;
  CHECK(refused);
}

TEST_CASE("with --telemetry off there is no /metrics and no trace id in the log") {
  TempDir tmp;
  NodeProcess n(node_options(tmp / "data", {"--telemetry", "off"}));
  REQUIRE(n.start());
  httplib::Client c("127.0.0.1", n.port());
  auto r = c.Get("/metrics", httplib::Headers{{"Authorization", "Bearer " + n.token()}});
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->body.find("--telemetry off") != std::string::npos);
  REQUIRE(c.Get("/healthz"));
  std::this_thread::sleep_for(100ms);  // the access log writes in batches of 2 ms
  CHECK(n.log().find("/healthz 200") != std::string::npos);
  CHECK(n.log().find("trace=") == std::string::npos);
}

TEST_CASE("edge top --json reads a node under load: the busy service first, its rate, latency and tier") {
  security::ServingNode serving;  // hello-v1 deployed
  NodeProcess& n = serving.node;
  auto& cli = serving.cli;
  security::deploy(*cli, "idle-v1", "node_hello_v2", "idle-v1", {{"MCM.BASE_API_PATH", "/idle/v1"}});
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t)
    load.emplace_back([&] {
      httplib::Client c("127.0.0.1", n.port());
      while (!stop)
        if (auto r = c.Get(service_path(n, "/hello/v1") + "/"); r && r->status == 200) ++sent;
    });
  while (sent < 200) std::this_thread::sleep_for(10ms);
  auto top = run({edge_bin().string(), "top", "--json", "--node", n.url(), "--token", n.token()});
  stop = true;
  for (auto& t : load) t.join();
  INFO(top.out << top.err);
  REQUIRE(top.exit_code == 0);
  auto j = nlohmann::json::parse(top.out, nullptr, false);
  REQUIRE(!j.is_discarded());
  const auto& services = j["figures"]["services"];
  REQUIRE(services.size() == 2);
  CHECK(services[0]["service"] == "hello-v1");
  CHECK(services[0]["requestsPerSecond"].get<double>() > 0);
  CHECK(services[0]["p99Ms"].get<double>() >= services[0]["p50Ms"].get<double>());
  CHECK(services[0]["p50Ms"].get<double>() > 0);
  CHECK(!services[0]["tier"].get<std::string>().empty());
  CHECK(services[1]["service"] == "idle-v1");
  CHECK(services[1]["requestsPerSecond"].get<double>() == 0);
  CHECK(j["figures"]["residentBytes"].get<double>() > 0);
  CHECK(services[0]["memoryBytes"].get<double>() >= 65536);  // at least the module's one page
}

TEST_CASE("edge top without a token names the problem") {
  TempDir tmp;
  NodeProcess n(node_options(tmp / "data"));
  REQUIRE(n.start());
  auto top = run({edge_bin().string(), "top", "--json", "--node", n.url(), "--token", "wrong"});
  CHECK(top.exit_code == 1);
  INFO(top.err);
  CHECK(top.err.find("403") != std::string::npos);
}

TEST_CASE("edge top's live view draws a table per refresh and stops after --iterations") {
  security::ServingNode serving;  // hello-v1 deployed
  NodeProcess& n = serving.node;
  httplib::Client c("127.0.0.1", n.port());
  REQUIRE(c.Get(service_path(n, "/hello/v1") + "/"));
  auto top = run(
      {edge_bin().string(), "top", "--iterations", "2", "--interval", "0.3", "--node", n.url(), "--token", n.token()});
  INFO(top.out << top.err);
  CHECK(top.exit_code == 0);
  size_t frames = 0;
  for (size_t at = top.out.find("REQ/S"); at != std::string::npos; at = top.out.find("REQ/S", at + 1)) ++frames;
  CHECK(frames == 2);
  CHECK(top.out.find("hello-v1") != std::string::npos);
  CHECK(top.out.find("(q quits)") != std::string::npos);
}

TEST_CASE("each service shows its module's compiles by tier: the quick tier's seconds, a failed optimising compile") {
  TempDir tmp;
  // An optimising compiler that always fails: the quick tier serves, the failure is counted.
  NodeProcess n(node_options(tmp / "data", {"--engine", "auto", "--cc", "/bin/false"}));
  REQUIRE(n.start());
  auto cli = client(n);
  // Two services of one module: its code, and so its compiles, are theirs both.
  security::deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  security::deploy(*cli, "twin-v1", "node_hello_v1", "twin-v1", {{"MCM.BASE_API_PATH", "/twin/v1"}});
  auto value = [](const std::vector<edge::metrics::Sample>& samples, const std::string& name,
                  const std::string& service, const std::string& tier) -> std::optional<double> {
    for (const auto& s : samples)
      if (s.name == name && s.labels.count("service") && s.labels.at("service") == service && s.labels.count("tier") &&
          s.labels.at("tier") == tier)
        return s.value;
    return std::nullopt;
  };
  std::vector<edge::metrics::Sample> samples;
  for (auto until = std::chrono::steady_clock::now() + 120s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(100ms)) {  // liveness: the optimising compile fails in the background
    samples = edge::metrics::parse_text(scrape(n));
    if (value(samples, "edge_service_compile_failures", "hello-v1", "aot").value_or(0) >= 1 &&
        value(samples, "edge_service_compile_failures", "twin-v1", "aot").value_or(0) >= 1)
      break;
  }
  INFO(n.log());
  for (const std::string service : {"hello-v1", "twin-v1"}) {
    CAPTURE(service);
    CHECK(value(samples, "edge_service_compile_failures", service, "aot").value_or(0) == 1);
    CHECK(value(samples, "edge_service_compile_failures", service, "quick").value_or(-1) == 0);
    CHECK(value(samples, "edge_service_compile_seconds", service, "quick").value_or(0) > 0);
    CHECK(value(samples, "edge_service_tier", service, "quick").value_or(0) == 1);
  }
}
