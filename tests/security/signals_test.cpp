// Signals a service manager and logrotate send a node that runs as a system service (issue 27),
// each under load: SIGTERM drains (every request the node took is answered, fetches in flight
// included, and the node exits 0), and SIGHUP opens the log file again (a rotation loses no line
// and splits none). The node's JSON access log is the ledger: each answer it logged must have
// reached its client.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Clients that send GET `path` one connection per request (Connection: close, as httplib does by
// default) until stopped: a connection refused after the node stopped accepting is no loss; an
// answer other than 200 and `body` is a failure, and so is any error before `calm_until` is set.
class Load {
 public:
  Load(int port, std::string path, std::string body, int threads) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this, port, path, body] {
        while (!stop_) {
          httplib::Client c("127.0.0.1", port);
          c.set_read_timeout(30, 0);
          auto res = c.Get(path);
          if (res && res->status == 200 && res->body == body) ++ok_;
          else if (res) ++wrong_;
          else if (!signalled_) ++errors_before_signal_;
        }
      });
  }
  ~Load() { stop(); }
  void signal_sent() { signalled_ = true; }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // Waits (liveness only) until `n` more answers than now arrived.
  bool wait_for_more(long n) {
    const long target = ok_ + n;
    for (auto until = Clock::now() + 60s; ok_ < target; std::this_thread::sleep_for(10ms))
      if (Clock::now() > until) return false;
    return true;
  }
  long ok() const { return ok_; }
  long wrong() const { return wrong_; }
  long errors_before_signal() const { return errors_before_signal_; }

 private:
  std::atomic<bool> stop_{false}, signalled_{false};
  std::atomic<long> ok_{0}, wrong_{0}, errors_before_signal_{0};
  std::vector<std::thread> threads_;
};

// An upstream that answers "slow" a second after each request: a fetch in flight for that long.
class SlowUpstream {
 public:
  SlowUpstream() {
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      ++seen_;
      std::this_thread::sleep_for(1s);
      res.set_content("slow", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~SlowUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/slow"; }
  int seen() const { return seen_; }

 private:
  httplib::Server server_;
  std::atomic<int> seen_{0};
  int port_ = 0;
  std::thread thread_;
};

// The JSON lines of the node's log files; a line that does not parse (split, or two in one)
// fails the test.
std::vector<nlohmann::json> json_lines(const fs::path& file) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    CHECK_MESSAGE(!parsed.is_discarded(), file.filename().string() << ": " << line);
    if (!parsed.is_discarded()) lines.push_back(std::move(parsed));
  }
  return lines;
}

long answered(const std::vector<nlohmann::json>& lines, const std::string& path_part, int status) {
  long n = 0;
  for (const auto& l : lines)
    if (l.value("path", "").find(path_part) != std::string::npos && l.value("status", 0) == status) ++n;
  return n;
}

bool has_message(const std::vector<nlohmann::json>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.value("message", "").find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("SIGTERM under load drains: every request the node took is answered, fetches in flight too, exit 0") {
  TempDir tmp;
  const fs::path log = tmp / "node.log";
  NodeProcess node(node_options(tmp / "data", {"--log-format", "json", "--log-file", log.string()}));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  deploy(*cli, "px", "template_proxy", "px",
         {{"MCM.BASE_API_PATH", "/px/v1"}, {"MCM.MAX_EXECUTION_TIME_SEC", "30"}, {"PROXY_ALLOW", "http://127.0.0.1:"}});
  SlowUpstream upstream;

  Load load(node.port(), service_path(node, "/hello/v1") + "/", "hello v1", 4);
  REQUIRE(load.wait_for_more(50));
  // Six requests whose guests wait on a fetch for a second: in flight when the signal comes.
  constexpr int kSlow = 6;
  std::vector<std::pair<int, std::string>> slow(kSlow);
  std::vector<std::thread> callers;
  for (int i = 0; i < kSlow; ++i)
    callers.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", node.port());
      c.set_read_timeout(30, 0);
      if (auto res = c.Get(service_path(node, "/px/v1") + "/fetch?url=" + upstream.url()))
        slow[i] = {res->status, res->body};
    });
  for (auto until = Clock::now() + 60s; upstream.seen() < kSlow && Clock::now() < until;)
    std::this_thread::sleep_for(5ms);
  REQUIRE(upstream.seen() == kSlow);

  load.signal_sent();
  const int code = node.stop(SIGTERM);
  for (auto& t : callers) t.join();
  load.stop();

  CHECK(code == 0);
  for (const auto& [status, body] : slow) {
    CHECK(status == 200);
    CHECK(body == "slow");
  }
  CHECK(load.wrong() == 0);
  CHECK(load.errors_before_signal() == 0);
  const auto lines = json_lines(log);
  // The ledger: what the node answered, its clients got, and the other way round.
  CHECK(answered(lines, "/hello/v1", 200) == load.ok());
  CHECK(answered(lines, "/px/v1", 200) == kSlow);
  CHECK(has_message(lines, "SIGTERM received"));
  CHECK_FALSE(has_message(lines, "cut off"));
  MESSAGE("SIGTERM with " << kSlow << " fetches in flight and 4 clients: " << load.ok() << " hello answers, all "
                          << kSlow << " fetches answered, exit " << code);
}

TEST_CASE("SIGHUP under load opens the log file again: a rotation loses no line and splits none") {
  TempDir tmp;
  const fs::path log = tmp / "node.log", rotated = tmp / "node.log.1";
  NodeProcess node(node_options(tmp / "data", {"--log-format", "json", "--log-file", log.string()}));
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");

  Load load(node.port(), service_path(node, "/hello/v1") + "/", "hello v1", 4);
  REQUIRE(load.wait_for_more(50));
  fs::rename(log, rotated);  // logrotate's move; the node writes on into the moved file
  REQUIRE(load.wait_for_more(20));
  REQUIRE(::kill(node.pid(), SIGHUP) == 0);
  for (auto until = Clock::now() + 30s; !fs::exists(log) && Clock::now() < until;) std::this_thread::sleep_for(5ms);
  REQUIRE(fs::exists(log));
  REQUIRE(load.wait_for_more(50));
  load.stop();
  CHECK(node.stop() == 0);

  CHECK(load.wrong() == 0);
  CHECK(load.errors_before_signal() == 0);
  const auto before = json_lines(rotated), after = json_lines(log);
  CHECK(has_message(before, "listening on"));
  CHECK(has_message(after, "log file " + log.string() + " reopened"));
  CHECK(answered(before, "/hello/v1", 200) > 0);
  CHECK(answered(after, "/hello/v1", 200) > 0);
  CHECK(answered(before, "/hello/v1", 200) + answered(after, "/hello/v1", 200) == load.ok());
  MESSAGE("SIGHUP under load: " << answered(before, "/hello/v1", 200) << " answers in the moved file, "
                                << answered(after, "/hello/v1", 200) << " in the new one, " << load.ok()
                                << " received");
}
