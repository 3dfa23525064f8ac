#pragma once
// The execution engine interface of the reference node. The server knows only this file;
// engines (wabt interpreter, wasm2c AOT) plug in behind it. The ABI 2.0.0 host side and WASI
// live once in engine/, engine-agnostic; an engine only adapts calls and memory.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "edge/core/result.hpp"
#include "edge/node/trace_context.hpp"
#include "edge/node/trace_frame.hpp"

namespace edge::node {

// Per-request limits, from the container env (docs/node.md) with these defaults.
struct Limits {
  std::chrono::milliseconds wall_time{10'000};  // MCM.MAX_EXECUTION_TIME_SEC
  uint32_t max_memory_pages = 4096;             // 256 MiB; EDGE_MAX_MEMORY_MB
  size_t max_request_body_bytes = 8u << 20;     // EDGE_MAX_BODY_BYTES
  size_t max_response_bytes = 16u << 20;
  size_t max_log_bytes_per_request = 1u << 20;  // stdout/stderr beyond this is dropped, once noted
  uint32_t max_host_calls = 100'000;            // per request
  uint32_t max_concurrency = 0;            // requests of this service at once; MCM.MAX_CONCURRENCY (0: one per core)
  uint32_t max_open_files = 64;            // files a request holds open at once; EDGE_MAX_OPEN_FILES
  uint32_t max_service_open_files = 512;   // ... all requests of the service together; EDGE_MAX_SERVICE_OPEN_FILES
  uint64_t max_storage_bytes = 64u << 20;  // keys, values and tags of its storage.*; EDGE_STORAGE_MAX_MB
  uint64_t max_storage_keys = 100'000;     // EDGE_STORAGE_MAX_KEYS
};

// A directory of the host granted to the guest (EDGE_PREOPEN_DIRS env key: "HOST::GUEST[,HOST::GUEST]", docs/node.md).
struct Preopen {
  std::filesystem::path host;
  std::string guest;  // the path the guest sees, e.g. "/logs"
};

// A service's share of its store; 0: unbounded. A write that would pass it is refused (one that
// shrinks the store never is).
struct StorageQuota {
  uint64_t bytes = 0;  // keys, values and tags together
  uint64_t keys = 0;
};

// Service storage (storage.* host calls): one namespace per service, isolated. SQLite-backed.
class KeyValueStore {
 public:
  struct Item {
    std::string key, value, tag;
  };
  using Quota = StorageQuota;
  virtual ~KeyValueStore() = default;
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status set(std::string_view key, std::string_view value, std::string_view tag = {}, Quota quota = {}) = 0;
  virtual Status remove(std::string_view key) = 0;
  virtual Status remove_by_tag(std::string_view tag) = 0;
  // Items with this tag, or all items for an empty tag, in key order: at most `limit` of them,
  // those after the key `after` when given (a walk in bounded pages: storage.each_item).
  virtual Result<std::vector<Item>> list(std::string_view tag = {}, std::optional<std::string_view> after = {},
                                         size_t limit = SIZE_MAX) = 0;
};

// Where a service's stdout, stderr and node-side messages (traps, limits) go.
class ServiceLog {
 public:
  enum class Stream { Stdout, Stderr, Node };
  virtual ~ServiceLog() = default;
  // `trace_id`: the request's, when the text comes from one (it goes into each line); or empty.
  virtual void write(Stream stream, std::string_view text, std::string_view trace_id) = 0;
  void write(Stream stream, std::string_view text) { write(stream, text, {}); }
};

// Told what a request's host calls did, for the node's metrics and spans. Called on the guest's
// thread while it runs: an implementation counts and returns, it never blocks.
class ServiceObserver {
 public:
  struct Fetch {
    std::string_view method, url;
    int status = 0;                      // the answer's status; 0: none came (see error)
    std::string_view error;              // why none came
    const TraceContext* span = nullptr;  // the fetch's own span (its traceparent went out with it)
    std::chrono::system_clock::time_point started;
    std::chrono::steady_clock::duration took{};
  };
  virtual ~ServiceObserver() = default;
  virtual void fetched(const Fetch& fetch) = 0;
  virtual void storage_operation(std::string_view method) = 0;
  // A request's instance is done; `memory_bytes`: its linear memory at the end (what it grew to).
  virtual void instance_ended(uint64_t memory_bytes) = 0;
};

// Everything about the deployed service that a request needs.
struct ServiceContext {
  std::string name;                         // container name, e.g. "hello-v1"
  std::map<std::string, std::string> env;   // container env (context.env)
  std::map<std::string, std::string> info;  // context.info: serviceType, apiRoot, httpPort, nodeId, ...
  std::string node_url;                     // "http://localhost:<httpPort>": the node as its services reach it
  std::vector<Preopen> preopens;
  Limits limits;
  KeyValueStore* storage = nullptr;  // not owned; may be null (storage calls then fail)
  ServiceLog* log = nullptr;         // not owned; may be null
  // Files the service's requests hold open now, against limits.max_service_open_files. Not owned;
  // null: no per-service count (edge-node run, tests).
  std::atomic<uint32_t>* open_files = nullptr;
  ServiceObserver* observer = nullptr;  // not owned; null: nobody counts (edge-node run, tests)
};

struct HttpRequest {
  std::string method;                          // "GET"
  std::string url;                             // path + query relative to the base path, e.g. "/items/1?x=2"
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Why a request failed inside the engine; the server turns it into a JSON error response.
struct ExecFailure {
  enum class Kind { Trap, Timeout, OutOfMemory, NoResponse, HostCallLimit, BadModule, Internal };
  ExecFailure() = default;
  ExecFailure(Kind k, std::string m, std::vector<TraceFrame> trace = {})
      : kind(k), message(std::move(m)), backtrace(std::move(trace)) {}
  Kind kind = Kind::Internal;
  std::string message;                // "trap: integer divide by zero in handler()"
  std::vector<TraceFrame> backtrace;  // guest frames of a trap, innermost first (logged, not replied)
  int http_status() const { return kind == Kind::Timeout ? 504 : 500; }
};

// Outcome of one request: a response, or why there is none.
// What a request came to: the guest's response, or why there is none. Always exactly one.
class Outcome {
 public:
  Outcome(HttpResponse response) : v_(std::move(response)) {}  // NOLINT: implicit, as a result is
  Outcome(ExecFailure failure) : v_(std::move(failure)) {}     // NOLINT
  HttpResponse* response() { return std::get_if<HttpResponse>(&v_); }
  const HttpResponse* response() const { return std::get_if<HttpResponse>(&v_); }
  ExecFailure* failure() { return std::get_if<ExecFailure>(&v_); }
  const ExecFailure* failure() const { return std::get_if<ExecFailure>(&v_); }

 private:
  std::variant<HttpResponse, ExecFailure> v_;
};

// Running a WASI command module directly (`edge-node run FILE.wasm`).
struct CommandInvocation {
  std::vector<std::string> args;  // argv, args[0] is the program name
  std::map<std::string, std::string> env;
  std::vector<Preopen> preopens;
  std::optional<std::chrono::milliseconds> wall_time;  // none: no limit
};

// A module compiled (or prepared) once and instantiated fresh for every request.
class LoadedModule {
 public:
  virtual ~LoadedModule() = default;
  virtual std::string_view engine_name() const = 0;  // "interp", "aot"
  // Runs one HTTP request on a fresh instance, per the platform's lifecycle. Thread-safe.
  virtual Outcome handle(const ServiceContext& service, const HttpRequest& request) = 0;
  // Runs _start with stdio passed through; returns the exit code, or an error whose message
  // begins "trap: " or "timeout: " when the module failed (other errors: it could not run).
  virtual Result<int> run_command(const CommandInvocation& invocation) = 0;
  // Makes one instance under the service's env and limits and runs its initialisation
  // (_initialize, or _start up to its return), as every request will: what fails here would fail
  // every request. A deploy runs it before the new version replaces the old one.
  virtual std::optional<ExecFailure> check_start(const ServiceContext& service) = 0;
  // Why the module runs on engine_name() and not compiled, when the compiled tier gave up on it
  // (a compile that failed or ran out of its budget); empty otherwise.
  virtual std::string engine_note() const { return {}; }
  // Where the module tells what happens to it after load (compiled in the background, or why it
  // stays on the interpreter): the service's log. Called at most once, before it serves.
  virtual void report_to(std::function<void(const std::string&)> report) { (void)report; }
};

// The HMAC codes the node's POST /jsonrpc/v1 getEdgeHmacCode hands out, which edge.request_bep
// takes (mimik's SDK asks for a code, then calls request_bep with it). Process-wide; a code is
// good until its expiry. Expired codes are forgotten as new ones come.
void issue_edge_hmac_code(const std::string& code, std::chrono::system_clock::time_point expiry);
bool edge_hmac_code_valid(const std::string& code);

// Ends every outbound fetch in flight (httpclient.fetch; their guests get an error) and refuses
// new ones: the node is stopping.
void stop_outbound_fetches();

// Told when the calling thread starts and ends waiting on the network for a guest (an outbound
// fetch): the node runs guests on one thread per core, and a thread that waits may be stood in for
// meanwhile. Set per thread; none by default (then nothing is told).
class BlockingObserver {
 public:
  virtual ~BlockingObserver() = default;
  virtual void blocking_begins() = 0;
  virtual void blocking_ends() = 0;
};
void set_thread_blocking_observer(BlockingObserver* observer);
BlockingObserver* thread_blocking_observer();

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  // `digest` identifies the module bytes (sha256 hex), for caches.
  virtual Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string& digest) = 0;
  // The module, if this engine has it ready without long work: the compiled tier when its cache
  // holds the module (a restarted node runs compiled from its first request), else NotFound.
  // Engines that have no long work load as usual.
  virtual Result<std::shared_ptr<LoadedModule>> load_ready(std::span<const uint8_t> wasm, const std::string& digest) {
    return load(wasm, digest);
  }
  // Abandons background work (compiles) at once and takes on none: the node is stopping.
  virtual void stop() {}
};

}  // namespace edge::node
