// edge top: a live view of a node's services, from its /metrics, refreshed every second:
// req/s, p50/p99 and the error share of the last second, the tier serving each, busiest first.
// `q` quits. With --json it prints one snapshot (two scrapes a second apart) and exits.
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "commands/commands.hpp"
#include "deploy_target.hpp"
#include "metrics_text.hpp"
#include "ui.hpp"

namespace edge {
namespace {

struct TopFlags {
  deploy::NodeFlags node;
  double interval = 1.0;
  int iterations = 0;  // 0: until `q`
};

// The terminal in character mode while top runs (keys arrive at once, unechoed); restored after.
class RawTerminal {
 public:
  RawTerminal() {
    if (!::isatty(0) || ::tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // Waits up to `wait` for a key; true when it was q (or stdin ended).
  bool quit_within(std::chrono::milliseconds wait) {
    pollfd p{0, POLLIN, 0};
    const auto until = std::chrono::steady_clock::now() + wait;
    for (auto left = wait; left.count() > 0;
         left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())) {
      if (::poll(&p, 1, int(left.count())) <= 0) return false;
      char c = 0;
      const ssize_t n = ::read(0, &c, 1);
      if (n == 0 && !active_) return false;  // not a terminal: no keys to wait for
      if (n == 1 && (c == 'q' || c == 'Q')) return true;
    }
    return false;
  }

 private:
  termios saved_{};
  bool active_ = false;
};

std::string cell_ms(double ms) { return ms >= 100 ? fmt::format("{:.0f}", ms) : fmt::format("{:.2f}", ms); }

void draw(const std::string& url, const metrics::NodeFigures& f) {
  std::string out = "\x1b[H\x1b[2J";  // home, clear
  out += fmt::format("{}  up {:.0f} s  rss {}  connections {:.0f}  queued {:.0f}   (q quits)\n\n", ui::bold(url, 1),
                     f.uptime_seconds, ui::human_size(size_t(f.resident_bytes)), f.open_connections, f.queue_depth);
  out += ui::bold(fmt::format("{:<28} {:>9} {:>9} {:>9} {:>7} {:>9} {:>6} {:>9} {:<6}", "SERVICE", "REQ/S", "P50 MS",
                              "P99 MS", "ERR %", "REQUESTS", "TRAPS", "MEMORY", "TIER"),
                  1) +
         "\n";
  if (f.services.empty()) out += "(no services: deploy one with `edge deploy`)\n";
  for (const auto& s : f.services)
    out += fmt::format("{:<28} {:>9.1f} {:>9} {:>9} {:>7.1f} {:>9.0f} {:>6.0f} {:>9} {:<6}\n", s.service,
                       s.requests_per_second, cell_ms(s.p50_ms), cell_ms(s.p99_ms), s.error_share * 100, s.requests,
                       s.traps, s.memory_bytes > 0 ? ui::human_size(size_t(s.memory_bytes)) : "-",
                       s.tier.empty() ? "-" : s.tier);
  fmt::print("{}", out);
  std::fflush(stdout);
}

int run_top(const TopFlags& flags) {
  auto target = deploy::resolve_single_target(flags.node, deploy::current_project_dir());
  if (!target) {
    deploy::print_failure(target.error());
    return kExitUsage;
  }
  mcm::Client client(target->url, target->token, deploy::timeouts(flags.node), target->client_id, target->tls);
  auto scrape = [&]() -> Result<std::vector<metrics::Sample>> {
    auto text = client.metrics();
    if (!text) return text.error();
    return metrics::parse_text(*text);
  };
  auto before = scrape();
  if (!before) return deploy::print_failure(before.error()), kExitFailure;
  const auto interval = std::chrono::milliseconds(int64_t(flags.interval * 1000));
  auto taken = std::chrono::steady_clock::now();

  if (flags.node.json) {
    std::this_thread::sleep_for(interval);
    auto after = scrape();
    if (!after) return deploy::print_failure(after.error()), kExitFailure;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - taken).count();
    ui::print_json(nlohmann::json{{"node", target->url},
                                  {"intervalSeconds", seconds},
                                  {"figures", metrics::to_json(metrics::figures(*before, *after, seconds))}},
                   2);
    return kExitOk;
  }

  RawTerminal terminal;
  for (int shown = 0; flags.iterations == 0 || shown < flags.iterations; ++shown) {
    if (terminal.quit_within(interval)) break;
    auto after = scrape();
    if (!after) return deploy::print_failure(after.error()), kExitFailure;
    const auto now = std::chrono::steady_clock::now();
    draw(target->url, metrics::figures(*before, *after, std::chrono::duration<double>(now - taken).count()));
    before = std::move(after);
    taken = now;
  }
  return kExitOk;
}

}  // namespace

void add_top_command(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<TopFlags>();
  auto* cmd = app.add_subcommand("top", "A live view of a node's services: req/s, p50/p99, errors, tier");
  deploy::add_node_flags(cmd, flags->node, /*fleet=*/false);
  cmd->add_option("--interval", flags->interval, "seconds between refreshes")
      ->check(CLI::Range(0.2, 3600.0))
      ->capture_default_str();
  cmd->add_option("--iterations", flags->iterations, "refresh this many times, then exit (0: until q)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([flags, &ctx] { ctx.exit_code = run_top(*flags); });
}

}  // namespace edge
