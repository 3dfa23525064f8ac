// edge-node: the reference edgeEngine node (docs/node.md).
//   edge-node [serve] [--port 8083] [--data-dir DIR] [--client-id ID] [--token T | --no-auth]
//             [--engine interp|aot|auto] [--host 127.0.0.1] [--dashboard-port 0] [--compile-* budget]
//   edge-node run FILE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [-- ARGS...]
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "edge/core/image.hpp"
#include "edge/node/guest_memory.hpp"
#include "data_dir_lock.hpp"
#include "engines.hpp"
#include "execution_pool.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "node.hpp"
#include "node_log.hpp"
#include "routes.hpp"
#include "tls_certificate.hpp"

namespace fs = std::filesystem;
using namespace edge;
using namespace edge::node;

namespace {

constexpr int kRunnerFailure = 125;          // `run`: the node could not run the module (as docker/podman)
constexpr int kTrapExitCode = 134;           // `run`: the module trapped; wasmtime's code (128 + SIGABRT, as abort())
constexpr size_t kMaxQueuedRequests = 1024;  // waiting for a worker; more: 503
constexpr size_t kMaxWorkers = 64;           // with stand-ins for guests waiting on fetches
constexpr std::chrono::milliseconds kStopGrace{3000};  // SIGTERM: what running requests get

void print_error(const Error& e) {
  fmt::print(stderr, "edge-node: error: {}\n", e.message);
  if (!e.hint.empty()) fmt::print(stderr, "fix: {}\n", e.hint);
}

// Every connection is a descriptor. Takes the hard limit the system allows and leaves room
// under it for the node's own files (images, storage, logs, guests' preopens).
size_t connection_cap() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 512;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
  const size_t files = r.rlim_cur == RLIM_INFINITY ? 1u << 20 : static_cast<size_t>(r.rlim_cur);
  return std::min(HttpLimits{}.max_connections, files > 2048 ? files - 1024 : files / 2);
}

// The compile budget's address space by default: half the machine's RAM, at most AotOptions'
// 2048 MiB. On a 1 GB board (a Raspberry Pi 3) a 2 GiB compile would push the node and its
// services into swap or the OOM killer; half leaves them the rest (docs/benchmarks.md, "ARM").
uint64_t default_compile_memory_mb() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  const uint64_t fallback = AotOptions{}.compile_memory_mb;
  if (pages <= 0 || page_size <= 0) return fallback;
  const uint64_t ram_mb = uint64_t(pages) * uint64_t(page_size) >> 20;
  return std::clamp<uint64_t>(ram_mb / 2, 256, fallback);
}

// Whether `host` only listens on this machine.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

struct ServeArgs {
  int port = 8083;
  int dashboard_port = 0;
  std::string host = "127.0.0.1";
  std::string data_dir;
  std::string client_id;
  std::string token;
  bool no_auth = false;
  bool no_auth_off_loopback = false;  // --i-know-no-auth
  std::string engine = "auto";
  std::string api_key_file;  // mim OE's mimoe-api-key.env (default: in the data dir)
  std::string cc;            // the compiled tier's C compiler (--cc); empty: $CC, else cc, gcc, clang
  // The compiled tier's budget (--compile-*); the defaults are AotOptions', the memory fitted to
  // the machine.
  unsigned compile_cpu_seconds = unsigned(AotOptions{}.compile_cpu.count());
  uint64_t compile_memory_mb = default_compile_memory_mb();
  uint64_t compile_max_module_mb = AotOptions{}.max_module_bytes >> 20;
  uint64_t compile_cache_mb = AotOptions{}.max_cache_bytes >> 20;
  uint64_t body_budget_mb = HttpLimits{}.max_buffered_body_bytes >> 20;  // request bodies being received
  uint64_t guest_memory_mb = 0;  // guests' linear memory, node-wide; 0: three quarters of the RAM
  std::string log_format = "text";
  std::string log_file;          // empty: stdout as it was given
  std::string telemetry = "on";  // off: no /metrics, no counting, no trace context (the overhead's baseline)
  std::string metrics_token;
  // Short guest runs on the I/O thread that read the request; off: every guest on the pool.
  std::string inline_runs = "on";
  std::string tls_cert, tls_key;  // both, or neither: HTTPS on the node's port
  bool dashboard_tls = false;     // the dashboard's port too
};

int serve(const ServeArgs& args) {
  // Signals are taken by a dedicated thread (sigwait), so the stop happens in ordinary code.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // not a stop: the log file is opened again (logrotate)
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // Everything the node creates is its own alone (0700 folders, 0600 files), whatever the umask it
  // was started with: the data dir holds the token, compiled code it loads, services' data and logs.
  // Files services create in their preopened folders follow it too.
  // Beyond loopback, no token means anyone on the network deploys code onto this machine: only
  // when said twice. (Checked before anything is written.)
  if (args.no_auth && !args.no_auth_off_loopback && !is_loopback(args.host))
    return print_error(make_error(fmt::format("--no-auth on {}: anyone who reaches this address could deploy and run "
                                              "code on this machine",
                                              args.host),
                                  "keep the token (drop --no-auth), listen on 127.0.0.1, or add --i-know-no-auth")),
           2;
  ::umask(077);
  set_log_format(args.log_format == "json" ? LogFormat::Json : LogFormat::Text);
  const uint64_t ram = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
  guest_memory::set_limit(args.guest_memory_mb ? args.guest_memory_mb << 20 : ram / 4 * 3);
  if (!args.log_file.empty())
    if (auto st = log_to_file(args.log_file); !st) return print_error(st.error()), 1;
  std::unique_ptr<NodeMetrics> metrics = args.telemetry == "on" ? std::make_unique<NodeMetrics>() : nullptr;
  // Spans out only where asked for (the OpenTelemetry variables), and only with telemetry on.
  // (Made before, so destroyed after, everything that records spans.)
  std::unique_ptr<SpanExporter> spans = metrics ? SpanExporter::from_environment("edge-node") : nullptr;
  if (spans) {
    metrics->export_spans_to(spans.get());
    say(fmt::format("spans go to {} (OTLP/HTTP, JSON)", spans->url()));
  }
  fs::path data_dir = args.data_dir.empty() ? default_data_dir() : fs::path(args.data_dir);
  auto lock = DataDirLock::take(data_dir);  // before anything in it is read or written
  if (!lock) return print_error(lock.error()), 1;
  auto identity = load_identity(data_dir, args.client_id, args.token, args.no_auth, args.api_key_file);
  if (!identity) return print_error(identity.error()), 1;
  if (identity->tightened_from)
    say(fmt::format("the data dir {} was mode {:04o}, now 0700: others could read its token, storage and logs",
                    data_dir.string(), *identity->tightened_from));

  AotOptions aot;
  aot.cache_dir = data_dir / "aot-cache";
  aot.cc = args.cc;
  aot.compile_cpu = std::chrono::seconds(args.compile_cpu_seconds);
  aot.compile_memory_mb = args.compile_memory_mb;
  aot.max_module_bytes = args.compile_max_module_mb << 20;
  aot.max_cache_bytes = args.compile_cache_mb << 20;
  aot.log = [](const std::string& line) {
    say(line);  // (flushed: compiles end in the background, an operator tailing the log sees them then)
  };
  if (metrics) aot.on_compile = [m = metrics.get()](const AotOptions::CompileReport& report) { m->compiled(report); };
  auto engine = make_engine(args.engine, aot);
  if (!engine) return print_error(engine.error()), 1;

  Node node({data_dir, *identity, args.port, metrics.get()}, std::move(*engine));
  if (auto st = node.open(); !st) return print_error(st.error()), 1;

  // Guests and mCM operations run here: a thread per core, and a stand-in for each one waiting on
  // an outbound fetch (execution_pool.hpp). The exception: a service whose runs are a few
  // microseconds runs on the I/O thread that read its request, watched (event_loops.hpp).
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  ExecutionPool pool(cores, kMaxWorkers, kMaxQueuedRequests);
  HttpLimits limits;
  limits.max_connections = connection_cap();
  limits.max_buffered_body_bytes = args.body_budget_mb << 20;
  if (args.inline_runs == "off") limits.inline_budget = std::chrono::microseconds(0);
  HttpServer http(limits);
  http.on_failure([&node](const std::string& what) { node.report_internal_error(what); });
  AccessLog access_log;
  const std::optional<std::string> metrics_token =
      args.metrics_token.empty() ? std::nullopt : std::optional(args.metrics_token);
  NodeRoutes node_routes(node, pool, access_log,
                         {Door::Node, identity->token, identity->mcm_api_key, metrics.get(), metrics_token});
  NodeRoutes dashboard_routes(node, pool, access_log,
                              {Door::Dashboard, identity->token, identity->mcm_api_key, metrics.get(), metrics_token});
  if (metrics)
    metrics->before_scrape([&http, &pool, m = metrics.get()] {
      m->gauges().open_connections.Set(double(http.open_connections()));
      m->gauges().queue_depth.Set(double(pool.queued()));
      const auto inline_counts = http.inline_counts();
      m->gauges().inline_runs.Set(double(inline_counts.runs));
      m->gauges().loop_stand_ins.Set(double(inline_counts.stand_ins));
      m->gauges().guest_memory.Set(double(guest_memory::in_use()));
    });
  const TlsFiles tls_files{args.tls_cert, args.tls_key};
  const TlsFiles* tls = args.tls_cert.empty() ? nullptr : &tls_files;
  auto bound = http.listen(args.host, args.port, node_routes, tls);
  if (!bound) return print_error(bound.error()), 1;
  auto dashboard = http.listen(args.host, args.dashboard_port, dashboard_routes, args.dashboard_tls ? tls : nullptr);
  if (!dashboard) return print_error(dashboard.error()), 1;
  const char* scheme = tls ? "https" : "http";
  const char* dashboard_scheme = tls && args.dashboard_tls ? "https" : "http";
  node_routes.set_ports(*bound, *dashboard);
  dashboard_routes.set_ports(*bound, *dashboard);
  http.start();

  say(fmt::format("listening on {}://{}:{} (client id {}, {} engine, data dir {})", scheme, args.host, *bound,
                  identity->client_id, node.engine_name(), data_dir.string()));
  if (tls) {
    auto fingerprint = certificate_fingerprint(args.tls_cert);
    say(fmt::format("TLS certificate {} (SHA-256 {}): clients may pin it with --pin-sha256", args.tls_cert,
                    fingerprint ? *fingerprint : fingerprint.error().message));
  }
  if (identity->token)
    say(fmt::format("mCM API token {} {}", identity->token_created ? "created in" : "in",
                    identity->token_file.string()));
  if (identity->mcm_api_key)
    say(fmt::format("mim OE API key (MCM_API_KEY, client id from x-client-id or \"api\") {} {}",
                    identity->api_key_created ? "created in" : "in", identity->api_key_file.string()));
  if (!identity->token) say("--no-auth: the mCM API accepts anyone who can reach this port");
  say(fmt::format("services answer at {}://{}:{}/{}/<name>/v1/...", scheme, args.host, *bound, identity->client_id));
  if (!is_loopback(args.host) && !tls)
    say(fmt::format(
        "warning: {} is beyond loopback and this node speaks plain HTTP: the mCM token and every "
        "service's traffic cross the network readable; keep it on a trusted network, or give --tls-cert and "
        "--tls-key (edge-node cert makes them)",
        args.host));
  say(fmt::format("dashboard at {}://{}:{}/ (its own origin, out of reach of services' pages)", dashboard_scheme,
                  args.host, *dashboard));
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    if (args.log_file.empty()) {
      say("SIGHUP received: no --log-file, nothing to reopen");
      continue;
    }
    access_log.flush();  // what was logged before the signal stays in the file logrotate moved
    if (auto st = log_to_file(args.log_file); !st)
      print_error(st.error());  // the old file keeps the lines; the next SIGHUP tries again
    else say(fmt::format("SIGHUP received: log file {} reopened", args.log_file));
  }
  access_log.flush();
  say(fmt::format("{} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM"));
  // A drain: no new connections; every request begun is let finish, its fetches included, and
  // is answered with Connection: close, for kStopGrace at most. After that, fetches still waiting
  // end (their guests see an error), queued work is dropped, and a guest still running (a loop,
  // under its own wall-time limit) does not hold the node: the process ends without it.
  node.stop_background_work();
  bool finished = http.drain(std::chrono::steady_clock::now() + kStopGrace);
  stop_outbound_fetches();
  pool.stop();
  finished = pool.wait_idle(finished ? kStopGrace : std::chrono::milliseconds(500)) && finished;
  finished = http.stop() && finished;
  access_log.flush();
  if (!finished) {
    say(fmt::format("requests still running after {} s were cut off; stopped", kStopGrace.count() / 1000));
    std::_Exit(0);
  }
  say("stopped");
  return 0;
}

struct CertArgs {
  std::string dir;
  std::string data_dir;
  std::vector<std::string> names;
  int days = 3650;
  bool replace = false;
};

int make_certificate(const CertArgs& args) {
  const fs::path dir = !args.dir.empty()
                           ? fs::path(args.dir)
                           : (args.data_dir.empty() ? default_data_dir() : fs::path(args.data_dir)) / "tls";
  auto made = make_self_signed(dir, args.names, args.days, args.replace);
  if (!made) return print_error(made.error()), 1;
  std::string names;
  for (const auto& n : made->names) names += (names.empty() ? "" : ", ") + n;
  fmt::print("certificate {}\nkey         {} (0600)\nvalid for   {} ({} days)\nSHA-256     {}\n\n", made->cert.string(),
             made->key.string(), names, args.days, made->fingerprint);
  fmt::print("serve with:  edge-node --tls-cert {} --tls-key {}\n", made->cert.string(), made->key.string());
  fmt::print("pin it:      edge deploy --node https://HOST:8083 --pin-sha256 {}\n", made->fingerprint);
  return 0;
}

struct RunArgs {
  std::string file;
  std::vector<std::string> dirs;
  std::vector<std::string> envs;
  std::vector<std::string> args;
  std::string engine = "interp";  // one run: compiling first would cost more than it saves
};

int run_module(const RunArgs& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in)
    return print_error(make_error("cannot read " + args.file, "check the path of the .wasm file")), kRunnerFailure;
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  CommandInvocation inv;
  inv.args.push_back(args.file);
  inv.args.insert(inv.args.end(), args.args.begin(), args.args.end());
  for (const auto& kv : args.envs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return print_error(make_error("--env '" + kv + "' is not KEY=VALUE", "write --env NAME=value")), 2;
    inv.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& d : args.dirs) {
    auto sep = d.find("::");
    Preopen p{d.substr(0, sep), sep == std::string::npos ? d : d.substr(sep + 2)};
    std::error_code ec;
    if (!fs::is_directory(p.host, ec))
      return print_error(make_error("--dir " + d + ": " + p.host.string() + " is not a directory",
                                    "give an existing directory, optionally as HOST::GUEST")),
             2;
    inv.preopens.push_back(std::move(p));
  }

  AotOptions aot;
  aot.cache_dir = default_data_dir() / "aot-cache";
  // One run of a command gains nothing from starting on the quick tier: `aot` is the optimised
  // code itself, as before the tiers.
  auto engine = args.engine == "aot" ? make_aot_engine_checked(aot) : make_engine(args.engine, aot);
  if (!engine) return print_error(engine.error()), kRunnerFailure;
  auto module = (*engine)->load(wasm, sha256_hex(wasm));
  if (!module) return print_error(module.error()), kRunnerFailure;
  auto code = (*module)->run_command(inv);
  if (code) return *code;
  // A trap or the time limit is the program's failure, not the runner's.
  const std::string& why = code.error().message;
  if (why.starts_with("trap: ") || why.starts_with("timeout: ")) {
    fmt::print(stderr, "edge-node: {}\n", why);
    return kTrapExitCode;
  }
  return print_error(code.error()), kRunnerFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"edge-node: the reference edgeEngine node (mCM API, image store, Universal Web Server)", "edge-node"};
  app.set_version_flag("--version", std::string("edge-node ") + EDGE_NODE_VERSION);
  ServeArgs serve_args;
  auto add_serve_options = [&](CLI::App& cmd) {
    cmd.add_option("--port", serve_args.port, "TCP port of the mCM API and the services")->capture_default_str();
    cmd.add_option("--host", serve_args.host, "address to listen on (0.0.0.0: every interface, as real nodes do)")
        ->capture_default_str();
    cmd.add_option("--dashboard-port", serve_args.dashboard_port,
                   "TCP port of the dashboard, an origin apart from the services (0: any free port, printed at start)")
        ->capture_default_str();
    cmd.add_option("--data-dir", serve_args.data_dir,
                   "where images, containers, storage, logs, token live (default $EDGE_NODE_DATA_DIR or ~/.edge-node)");
    cmd.add_option("--client-id", serve_args.client_id,
                   "client id (default: generated once, kept in DATA_DIR/client-id)");
    auto token = cmd.add_option("--token", serve_args.token,
                                "bearer token of the mCM API (default: DATA_DIR/token, created at first start)");
    auto key_file = cmd.add_option(
        "--api-key-file", serve_args.api_key_file,
        "mim OE's API key file (MCM_API_KEY=...), created when missing (default: DATA_DIR/mimoe-api-key.env)");
    cmd.add_flag("--i-know-no-auth", serve_args.no_auth_off_loopback,
                 "with --no-auth on an address beyond loopback: yes, anyone on the network may deploy");
    cmd.add_flag("--no-auth", serve_args.no_auth, "no token: anyone who reaches the port may deploy")
        ->excludes(token)
        ->excludes(key_file);
    cmd.add_option("--engine", serve_args.engine,
                   "execution engine: interp, quick (tcc), aot (quick, then optimised by the C compiler), auto (aot, "
                   "with the interpreter for debug builds and as fallback)")
        ->check(CLI::IsMember({"interp", "quick", "aot", "auto"}))
        ->capture_default_str();
    // The compiled tier's budget: a module that needs more stays on the interpreter.
    cmd.add_option("--compile-cpu-seconds", serve_args.compile_cpu_seconds,
                   "CPU time a module's compile may take (per process; wall clock: twice that and 10 s)")
        ->check(CLI::Range(1u, 3600u))
        ->capture_default_str();
    cmd.add_option("--cc", serve_args.cc,
                   "the compiled tier's C compiler, which must emit code for this machine (default: $CC, else cc, "
                   "gcc, clang on PATH)");
    cmd.add_option("--compile-memory-mb", serve_args.compile_memory_mb,
                   "address space a module's compile may take (per process; default: half the RAM, at most 2048)")
        ->check(CLI::Range(uint64_t(64), uint64_t(1) << 20))
        ->capture_default_str();
    cmd.add_option("--body-budget-mb", serve_args.body_budget_mb,
                   "memory for request bodies still arriving, node-wide (more: 503)")
        ->check(CLI::Range(uint64_t(1), uint64_t(65536)))
        ->capture_default_str();
    cmd.add_option("--guest-memory-mb", serve_args.guest_memory_mb,
                   "linear memory of all guest instances together (default: three quarters of the RAM); past "
                   "it an instance cannot start and memory.grow returns -1")
        ->check(CLI::Range(uint64_t(0), uint64_t(1) << 30));
    cmd.add_option("--log-format", serve_args.log_format,
                   "text, or json: the access log and the node's own lines as one JSON object per line")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd.add_option("--log-file", serve_args.log_file,
                   "append the access log and the node's own lines to FILE (default: stdout); SIGHUP reopens it, "
                   "for logrotate");
    cmd.add_option("--telemetry", serve_args.telemetry,
                   "on: GET /metrics, request counting and W3C trace context; off: none of them")
        ->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
    cmd.add_option("--inline-runs", serve_args.inline_runs,
                   "on: a service whose runs take microseconds runs on the thread that read its request, "
                   "watched; off: every request is handed to a worker (one more thread switch each way)")
        ->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
    auto cert = cmd.add_option("--tls-cert", serve_args.tls_cert,
                               "PEM certificate (chain): the node's port speaks HTTPS (`edge-node cert` makes one)");
    auto key = cmd.add_option("--tls-key", serve_args.tls_key, "PEM private key of --tls-cert");
    cert->needs(key);
    key->needs(cert);
    cmd.add_flag("--dashboard-tls", serve_args.dashboard_tls, "the dashboard's port speaks HTTPS too (with --tls-cert)")
        ->needs(cert);
    cmd.add_option("--metrics-token", serve_args.metrics_token,
                   "a second bearer token that GET /metrics takes (and nothing else), for a scraper");
    cmd.add_option("--compile-max-module-mb", serve_args.compile_max_module_mb,
                   "larger modules are not compiled (they run on the interpreter)")
        ->check(CLI::Range(uint64_t(1), uint64_t(4096)))
        ->capture_default_str();
    cmd.add_option("--compile-cache-mb", serve_args.compile_cache_mb,
                   "size of DATA_DIR/aot-cache, pruned least recently used first")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 20))
        ->capture_default_str();
  };
  add_serve_options(app);
  // Every option above may come from a file too (runtime-stub/server/edge-node.conf, installed as
  // /etc/edge-node/edge-node.conf): TOML or INI, `port = 8083`, `no-auth = true`. The command line
  // wins over the file; a key the node does not know is an error naming it.
  app.set_config("--config", "", "read options from this TOML or INI file (the command line wins)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  auto* serve_cmd = app.add_subcommand("serve", "run the node (the default)");
  serve_cmd->fallthrough();

  CertArgs cert_args;
  auto* cert_cmd = app.add_subcommand(
      "cert", "make a self-signed TLS certificate and key for this device, and print its fingerprint");
  cert_cmd->add_option("--dir", cert_args.dir, "where cert.pem and key.pem go (default: DATA_DIR/tls)");
  cert_cmd->add_option("--name", cert_args.names,
                       "a host name or IP address clients use to reach the node (repeatable; this machine's own "
                       "names and addresses are always in)");
  cert_cmd->add_option("--days", cert_args.days, "how long it is valid")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  cert_cmd->add_flag("--replace", cert_args.replace, "replace a certificate already there");
  cert_cmd->fallthrough();  // --data-dir after `cert` too: DATA_DIR/tls

  RunArgs run_args;
  auto* run_cmd = app.add_subcommand(
      "run", "run a WASI command module directly, like `wasmtime run`: edge-node run [OPTIONS] FILE [ARGS...]");
  // Options come before FILE; from FILE on, every word is the module's (also "-b" or "--c").
  run_cmd->prefix_command();
  run_cmd->add_option("--dir", run_args.dirs, "preopen HOST[::GUEST] (repeatable)")->allow_extra_args(false);
  run_cmd->add_option("--env", run_args.envs, "environment K=V (repeatable)")->allow_extra_args(false);
  run_cmd->add_option("--engine", run_args.engine, "execution engine")
      ->check(CLI::IsMember({"interp", "quick", "aot", "auto"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse KEY" for TOML files too: in our words, with the fix.
    std::string what = e.what();
    if (const auto at = what.find("parse "); at != std::string::npos)
      what = "the config file has a key edge-node does not know: " + what.substr(at + 6);
    return print_error(make_error(what,
                                  "see `edge-node --help` for the options, or the commented "
                                  "share/edge/edge-node.conf beside the node")),
           2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cert_cmd->parsed()) {
    cert_args.data_dir = serve_args.data_dir;
    return make_certificate(cert_args);
  }
  if (run_cmd->parsed()) {
    auto rest = run_cmd->remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.empty()) {
      fmt::print(stderr, "edge-node run: the module is missing\nusage: edge-node run [OPTIONS] FILE [ARGS...]\n");
      return 2;
    }
    run_args.file = rest.front();
    run_args.args.assign(rest.begin() + 1, rest.end());
    return run_module(run_args);
  }
  return serve(serve_args);
}
