// edge dev [-C DIR] [--node URL] [--port P]: the inner loop. Starts a local edge-node (unless
// --node), builds, packs and deploys, prints the service URL, then rebuilds and redeploys on
// every save while streaming the service's log. Ctrl-C stops the node it started, nothing else.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "commands/commands.hpp"
#include "deploy_target.hpp"
#include "dev/dev_cycle.hpp"
#include "dev/local_node.hpp"
#include "dev/log_follower.hpp"
#include "dev/source_watch.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DevArgs {
  std::string dir = ".";
  std::string node;
  std::string token;
  int port = 0;
  bool release = false;
  int poll_ms = 100;
};

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

void install_stop_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stopping() { return g_stop_signal.load() != 0; }

std::string seconds(std::chrono::duration<double> d) { return fmt::format("{:.1f} s", d.count()); }

std::string shown_path(const fs::path& p, const fs::path& root) {
  auto r = p.lexically_relative(root);
  return r.empty() ? p.string() : r.string();
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int run_dev(const DevArgs& args) {
  auto found = find_project_root(args.dir);
  if (!found) {
    ui::error(found.error());
    return kExitUsage;
  }
  const fs::path& root = *found;
  install_stop_handlers();
  const int64_t session_start = unix_now();

  // The node: ours (a child on a loopback port) or the one named with --node.
  std::unique_ptr<dev::LocalNode> local;
  deploy::Target target;
  if (args.node.empty()) {
    const fs::path state = root / "build" / ".edge-dev";
    auto started = dev::LocalNode::start(state / "node", state / "node.log", args.port);
    if (!started) {
      ui::error(started.error());
      return kExitFailure;
    }
    local = std::move(*started);
    target = {local->url(), local->token(), {}, {}};
    ui::step(fmt::format("started edge-node on {} (pid {}, log {})", local->url(), local->pid(),
                         shown_path(local->log_file(), root)));
  } else {
    auto url = mcm::normalise_node_url(args.node);
    if (!url) {
      ui::error(url.error());
      return kExitUsage;
    }
    deploy::NodeFlags flags;
    flags.token = args.token;
    auto token = deploy::resolve_token(flags, root);
    if (!token) {
      ui::error(token.error());
      return kExitUsage;
    }
    target = {*url, *token, {}, {}};
  }

  dev::DevCycle cycle(root, args.release ? build::Profile::Release : build::Profile::Debug, target);
  std::unique_ptr<dev::LogFollower> log;
  auto follow_log = [&](const dev::CycleOutcome& out) {
    if (!out.deployed || out.container_id.empty()) return;
    if (log && log->container_id() == out.container_id) return;
    log.reset();
    log = std::make_unique<dev::LogFollower>(target.url, target.token, out.container_id, session_start);
  };

  auto snapshot = dev::take_snapshot(root);
  const auto t0 = Clock::now();
  auto first = cycle.run();
  if (first.deployed) {
    ui::success(fmt::format("deployed {} in {}", first.image_name, seconds(Clock::now() - t0)));
    fmt::print("{}\n", first.service_url);
    fflush(stdout);
    follow_log(first);
  } else {
    ui::warn("the first build failed; fix the error and save, edge dev is watching");
  }
  std::string watching;
  for (const auto& r : dev::watched_roots(root)) watching += (watching.empty() ? "" : ", ") + shown_path(r, root);
  ui::step(fmt::format("watching {} (Ctrl-C to stop)", watching));

  while (!stopping()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(args.poll_ms));
    auto now = dev::take_snapshot(root);
    auto changed = dev::changed_files(snapshot, now);
    if (changed.empty()) continue;
    // Editors save in several steps (write, rename): let the burst settle before building.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    now = dev::take_snapshot(root);
    changed = dev::changed_files(snapshot, now);
    snapshot = now;
    if (changed.empty()) continue;
    const auto detected = Clock::now();
    // Edit -> served counts from the save itself (the file's mtime), not from when we noticed.
    auto saved_at = dev::newest_change(now, changed);
    auto since_save = saved_at ? std::chrono::duration<double>(std::chrono::system_clock::now() - *saved_at)
                               : std::chrono::duration<double>(0);
    if (since_save.count() < 0 || since_save.count() > 5) since_save = std::chrono::duration<double>(0);

    ui::step(fmt::format("changed: {}{}", shown_path(changed.front(), root),
                         changed.size() > 1 ? fmt::format(" (+{} more)", changed.size() - 1) : ""));
    auto out = cycle.run();
    if (stopping()) break;
    const auto took = std::chrono::duration<double>(Clock::now() - detected) + since_save;
    if (!out.deployed) {
      ui::warn("not redeployed: the previous version keeps serving");
      continue;
    }
    if (!out.module_changed) {
      ui::step("the module did not change; nothing to redeploy");
      continue;
    }
    ui::success(fmt::format("redeployed in {} (build {:.1f} s, deploy {:.1f} s)  {}", seconds(took), out.build_seconds,
                            out.deploy_seconds, out.service_url));
    if (!first.deployed) {
      fmt::print("{}\n", out.service_url);
      fflush(stdout);
      first = out;
    }
    follow_log(out);
  }

  log.reset();
  if (local) {
    const auto pid = local->pid();
    local->stop();
    ui::step(fmt::format("stopped edge-node (pid {})", pid));
  }
  return kExitOk;
}

}  // namespace

void add_dev_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<DevArgs>();
  auto* cmd = app.add_subcommand("dev", "Run the service on a local node and redeploy on every save");
  cmd->add_option("-C,--dir", args->dir, "Project folder (default: the current one)");
  auto* node = cmd->add_option("--node", args->node, "Deploy to this running node instead of starting one");
  cmd->add_option("--token", args->token, "Token for --node (default: as `edge deploy` finds it)")->needs(node);
  cmd->add_option("--port", args->port, "Port of the local node (default: a free one)")->excludes(node);
  cmd->add_flag("--release", args->release, "Build the release profile (default: debug, with DWARF)");
  cmd->footer(
      "The local node keeps its data in build/.edge-dev/ and its output in build/.edge-dev/node.log.\n"
      "Exit codes: 0 stopped with Ctrl-C, 1 the node could not start, 2 usage error.");
  cmd->callback([args, &ctx] { ctx.exit_code = run_dev(*args); });
}

}  // namespace edge
