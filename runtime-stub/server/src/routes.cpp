#include "routes.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "dashboard.hpp"
#include "edge/core/json_text.hpp"
#include "node_log.hpp"
#include "edge/http_types.hpp"  // the SDK's percent-decoding and query parsing: one way for host and guest
#include "edge/node/multipart.hpp"
#include "service_log.hpp"
#include "web_server.hpp"

namespace edge::node {
using nlohmann::json;
namespace http = web::http;

namespace {

constexpr uint64_t kMaxUploadBytes = 80u << 20;   // multipart overhead around the 64 MiB image limit
constexpr uint64_t kMaxMcmJsonBytes = 1u << 20;   // a container start, say: a few hundred bytes
constexpr uint64_t kMaxJsonRpcBytes = 64u << 10;  // a JSON-RPC call: a few hundred bytes

bool is_mcm(std::string_view path) { return path == "/mcm" || path.starts_with("/mcm/"); }

// The query parameter `key` of a request target, decoded as the SDK decodes it for services.
std::optional<std::string> query_value(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  const Query query = Query::parse(target.substr(q + 1));
  const std::string* value = query.find(key);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

std::optional<int64_t> query_int(std::string_view target, std::string_view key) {
  auto v = query_value(target, key);
  int64_t n = 0;
  if (!v || v->empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

bool query_flag(std::string_view target, std::string_view key) {
  auto v = query_value(target, key);
  return v && (v->empty() || *v == "1" || *v == "true" || *v == "yes");
}

// The bearer credential of a request; nullopt when it sends none.
std::optional<std::string_view> bearer_of(const web::RequestHead& head) {
  std::string_view value = head[http::field::authorization];
  static constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size() || !boost::beast::iequals(value.substr(0, scheme.size()), scheme))
    return std::nullopt;
  return value.substr(scheme.size());
}

// A client id as mim OE takes it from x-client-id: a plain name (it becomes part of URLs and ids).
bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

Reply reply_of(const Result<json>& answer) { return Reply{json_response(answer), nullptr}; }

Reply not_found(const std::string& message, const std::string& hint) {
  return reply_of(make_error(ErrorKind::NotFound, message, hint));
}

// The upload's tar: the multipart file field `image` (what mimik's tools and `edge deploy`
// send), or a raw tar body as a convenience for curl --data-binary.
// The view points into the request's body: an upload of 64 MiB is held once.
std::optional<std::string_view> uploaded_tar(const web::Request& req) {
  std::string_view type = req[http::field::content_type];
  if (auto boundary = multipart_boundary(type)) {
    auto parts = parse_multipart(req.body(), *boundary);
    if (!parts) return std::nullopt;
    for (const auto& part : *parts)
      if (part.name == "image") return part.data;
    return std::nullopt;
  }
  if (type.starts_with("application/x-tar") || type.starts_with("application/tar")) return std::string_view(req.body());
  return std::nullopt;
}

// `edge logs -f`: what the log holds now, then whatever the service writes, until the client goes.
class LogFollower final : public BodyStream {
 public:
  LogFollower(std::filesystem::path path, std::string initial) : path_(std::move(path)), pending_(std::move(initial)) {
    std::error_code ec;
    offset_ = std::filesystem::exists(path_, ec) ? std::filesystem::file_size(path_, ec) : 0;
  }
  std::optional<std::string> poll() override {
    if (!pending_.empty()) return std::exchange(pending_, {});
    std::error_code ec;
    uintmax_t size = std::filesystem::exists(path_, ec) ? std::filesystem::file_size(path_, ec) : 0;
    if (size < offset_) offset_ = 0;  // rotated
    if (size <= offset_) return std::string();
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk(std::min<uintmax_t>(size - offset_, 1u << 20), '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(in.gcount()));
    offset_ += chunk.size();
    return chunk;
  }

 private:
  std::filesystem::path path_;
  std::string pending_;
  uintmax_t offset_ = 0;
};

// Whether `host` (a Host header without its port) can only mean this machine: an IP address
// literal, localhost, or the machine's own name (with .local, as mDNS names it on a LAN).
bool names_this_machine(std::string_view host) {
  if (host.starts_with('[') && host.ends_with(']')) return true;  // an IPv6 literal
  if (!host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos) return true;
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (lower == "localhost" || lower.ends_with(".localhost")) return true;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || !*name) return false;
  std::string own(name);
  std::transform(own.begin(), own.end(), own.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return lower == own || lower == own + ".local";
}

// "a/b/c" -> {"a", "b", "c"}
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::string decoded_path(std::string_view target) { return url_decode(target.substr(0, target.find('?'))); }

// What admit() made of a request's headers, for handle(), too_large() and log().
struct Route {
  std::string path;                   // decoded
  std::optional<TraceContext> trace;  // the request's span; none with --telemetry off
  bool mcm = false;
  std::shared_ptr<const RunningService> service;  // the service it goes to, if any
  std::string rest;                               // what follows the service's base path
  std::string client;                             // mCM: the client id the request acts for
};

NodeRoutes::NodeRoutes(Node& node, ExecutionPool& pool, AccessLog& access_log, RouteOptions options)
    : node_(node), pool_(pool), access_log_(access_log), options_(std::move(options)), json_rpc_(node.client_id()) {}

void NodeRoutes::set_ports(int node_port, int dashboard_port) {
  options_.node_port = node_port;
  options_.dashboard_port = dashboard_port;
}

// The dashboard page's two actions: POST .../containers/{id}/restart and DELETE .../containers/{id},
// from the page itself. A browser names the page's origin in `Origin` on such requests, so one
// from another site's page (which could POST without a preflight) is told apart; the token
// still decides who may.
bool NodeRoutes::dashboard_action(const web::RequestHead& head, const std::string& path) const {
  const std::string_view origin = head[http::field::origin], host = head[http::field::host];
  if (origin.empty() || host.empty() || origin != "http://" + std::string(host)) return false;
  if (!path.starts_with("/mcm/v1/")) return false;
  const auto parts = segments(std::string_view(path).substr(8));  // containers, {id}[, restart]
  if (parts.size() < 2 || (parts[0] != "containers" && parts[0] != "mims")) return false;
  if (head.method() == http::verb::delete_) return parts.size() == 2;
  return head.method() == http::verb::post && parts.size() == 3 && parts[2] == "restart";
}

Admission NodeRoutes::admit(const web::RequestHead& head, std::optional<uint64_t> content_length) {
  auto route = std::make_shared<Route>();
  route->path = decoded_path(head.target());
  route->mcm = is_mcm(route->path);
  if (options_.metrics) route->trace = TraceContext::for_request(head["traceparent"], head["tracestate"]);
  Admission admission;
  admission.route = route;  // a refusal is logged and counted with it too
  auto refuse = [&](web::Response res) {
    admission.refusal = std::move(res);
    return admission;
  };
  if (route->mcm) {
    if (options_.door == Door::Dashboard && head.method() != http::verb::get && !dashboard_action(head, route->path))
      return refuse(error(405, "the dashboard port only reads the mCM API, besides its page's restart and remove",
                          fmt::format("deploy and remove on the node port {}", options_.node_port)));
    // Who asks: the node's token acts for the node's client id, mim OE's API key for the
    // x-client-id header's (default "api"); with neither configured (--no-auth) anyone may.
    const std::string_view asked_client = head["x-client-id"];
    const auto bearer = bearer_of(head);
    if (options_.token && !bearer) {
      auto res = error(401, "the mCM API needs a bearer token",
                       "send Authorization: Bearer <token or MCM_API_KEY>; both are in the node's data dir "
                       "(token, mimoe-api-key.env)");
      res.set(http::field::www_authenticate, "Bearer");
      return refuse(std::move(res));
    }
    if (!options_.token || constant_time_equal(*bearer, *options_.token)) {
      route->client = asked_client.empty() ? node_.client_id() : std::string(asked_client);
    } else if (options_.mcm_api_key && constant_time_equal(*bearer, *options_.mcm_api_key)) {
      route->client = asked_client.empty() ? std::string("api") : std::string(asked_client);
    } else {
      return refuse(error(403, "the bearer is neither this node's token nor its MCM_API_KEY",
                          "check the token (the node's data dir, file token) or the API key (MCM_API_KEY in "
                          "mimoe-api-key.env, or the node's --api-key-file)"));
    }
    if (!valid_client_id(route->client))
      return refuse(error(400, "x-client-id '" + printable(asked_client) + "' is not a plain name",
                          "use letters, digits, '-', '_' or '.'"));
    const bool upload = head.method() == http::verb::post && route->path == "/mcm/v1/images";
    admission.body_limit = upload ? kMaxUploadBytes : kMaxMcmJsonBytes;
  } else if (options_.door == Door::Node && route->path == "/jsonrpc/v1") {
    admission.body_limit = kMaxJsonRpcBytes;
  } else if (options_.door == Door::Node) {
    // Services are public: their bodies are judged by the announced length before any is read.
    route->service = node_.services().match(route->path, &route->rest);
    admission.body_limit =
        route->service ? route->service->context.limits.max_request_body_bytes : Limits{}.max_request_body_bytes;
  }  // (the dashboard's static files take no body)
  if (options_.door == Door::Node && route->path == "/metrics") {
    if (auto refusal = metrics_refusal(head)) return refuse(std::move(*refusal));
  }
  if (content_length && *content_length > admission.body_limit)
    return refuse(too_large_for(*route, *content_length, admission.body_limit));
  return admission;
}

// /metrics is for the operator's scraper: it takes the mCM token, or the --metrics-token (a
// credential that can read figures and nothing else, for a Prometheus config file).
std::optional<web::Response> NodeRoutes::metrics_refusal(const web::RequestHead& head) const {
  if (!options_.token && !options_.metrics_token) return std::nullopt;  // --no-auth
  const auto bearer = bearer_of(head);
  const bool taken = bearer && ((options_.token && constant_time_equal(*bearer, *options_.token)) ||
                                (options_.metrics_token && constant_time_equal(*bearer, *options_.metrics_token)));
  if (taken) return std::nullopt;
  auto res =
      error_response(bearer ? 403 : 401, "/metrics needs a bearer token: the node's token or its --metrics-token",
                     "in prometheus.yml: authorization: {credentials_file: <the token's file>}");
  if (!bearer) res.set(http::field::www_authenticate, "Bearer");
  return res;
}

web::Response NodeRoutes::too_large(const Route& route, uint64_t limit) { return too_large_for(route, 0, limit); }

// `length` 0: not announced (a chunked body).
web::Response NodeRoutes::too_large_for(const Route& route, uint64_t length, uint64_t limit) {
  const std::string size = length ? fmt::format("request body of {} bytes", length) : "request body";
  if (route.mcm)
    return error(413, fmt::format("{} is over the mCM API's limit of {} bytes", size, limit),
                 "images are at most 64 MiB; container requests a few KiB");
  if (route.path == "/jsonrpc/v1")
    return error(413, fmt::format("{} is over the JSON-RPC limit of {} bytes", size, limit),
                 "a JSON-RPC call takes a few hundred bytes");
  return error(
      413, fmt::format("{} is over this service's limit of {} bytes", size, limit),
      route.service ? "send less, or raise the limit with the container env EDGE_MAX_BODY_BYTES" : "send less");
}

web::Response NodeRoutes::error(unsigned status, const std::string& message, const std::string& hint) {
  return error_response(status, message, hint);
}

namespace {

// Runs `work`; if it throws (a bug, never the client's due), the answer is a 500, and the failure
// is logged and counted: the thread goes on.
template <class Work>
Reply answered(Node& node, Work&& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    node.report_internal_error(fmt::format("a job threw: {}", e.what()));
    return Reply{error_response(500, "the node failed on this request (an internal error, logged)",
                                "retry; if it persists, report it with the node's log"),
                 nullptr};
  }
}

}  // namespace

void NodeRoutes::run_on_pool(ReplyCallback done, std::function<Reply()> work, const std::string& owner, size_t cap) {
  // `done` is shared: if the pool refuses the job, the job (and its copy) is gone and we answer.
  auto answer = std::make_shared<ReplyCallback>(std::move(done));
  auto job = [this, answer, work = std::move(work), queued_at = std::chrono::steady_clock::now()] {
    if (options_.metrics) options_.metrics->waited_in_queue(std::chrono::steady_clock::now() - queued_at);
    (*answer)(answered(node_, work));
  };
  if (!pool_.try_post(std::move(job), owner, cap)) {
    auto res =
        error_response(503, "the node is busy: every execution slot is taken and the queue is full", "retry shortly");
    res.set(http::field::retry_after, "1");
    (*answer)(Reply{std::move(res), nullptr});
  }
}

void NodeRoutes::handle(web::Request request, RoutePtr route, ReplyCallback done) {
  const std::string& path = route->path;
  const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
  if (path == "/healthz" && read) {
    web::Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok\n";
    return done(Reply{std::move(res), nullptr});
  }
  if (path == "/metrics" && read && options_.door == Door::Node) {
    if (!options_.metrics)
      return done(not_found("this node keeps no metrics: it was started with --telemetry off",
                            "start edge-node without --telemetry off"));
    // Off the I/O thread: a scrape walks the compile cache and writes every series.
    return run_on_pool(
        std::move(done),
        [this] {
          node_.refresh_metrics();
          web::Response res{http::status::ok, 11};
          res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
          res.body() = options_.metrics->scrape();
          return Reply{std::move(res), nullptr};
        },
        "/metrics", 1);
  }
  if (path == "/jsonrpc/v1" && options_.door == Door::Node && request.method() == http::verb::post) {
    // Parsed on a worker, never on an I/O thread, and at most two at once: a flood of them waits
    // its turn instead of slowing every connection (issue 23).
    auto body = std::make_shared<std::string>(std::move(request.body()));
    return run_on_pool(
        std::move(done), [this, body] { return Reply{json_response(200, json_rpc_.answer(*body)), nullptr}; },
        "/jsonrpc/v1", 2);
  }
  if (route->mcm) {
    auto req = std::make_shared<web::Request>(std::move(request));
    return run_on_pool(std::move(done), [this, req, route] { return mcm(*req, route->path, route->client); });
  }
  if (options_.door == Door::Dashboard) {
    if (read && path == "/") return done(Reply{serve_dashboard(""), nullptr});
    if (read && path.starts_with("/dashboard/")) return done(Reply{serve_dashboard(path.substr(11)), nullptr});
    return done(not_found("nothing here: " + printable(path),
                          "this is the dashboard port; services answer on port " + std::to_string(options_.node_port)));
  }
  if (path == "/" && read && options_.dashboard_port) {
    // A browser pointed at the node finds the dashboard on its own origin (see routes.hpp).
    std::string_view host = request[http::field::host];
    std::string hostname(host.substr(
        0, host.rfind(':') == std::string_view::npos || host.ends_with(']') ? host.size() : host.rfind(':')));
    if (hostname.empty()) hostname = "127.0.0.1";
    web::Response res{http::status::found, 11};
    // The query goes along: `/?token=...` hands the dashboard its token, as it always did. But
    // only to a host that is this machine by construction (an IP address, localhost, its own
    // name): a Host header naming any other (DNS rebinding, a proxy) would carry the token there.
    const std::string_view target = request.target();
    const auto query = target.find('?') == std::string_view::npos || !names_this_machine(hostname)
                           ? std::string_view()
                           : target.substr(target.find('?'));
    res.set(http::field::location, fmt::format("http://{}:{}/{}", hostname, options_.dashboard_port, query));
    return done(Reply{std::move(res), nullptr});
  }

  if (!route->service)
    return done(not_found("nothing here: " + printable(std::string(request.method_string())) + " " + printable(path),
                          "services answer under /" + node_.client_id() + "<MCM.BASE_API_PATH>/"));
  const RunningService& service = *route->service;
  if (auto reply = run_inline(service, request, *route)) return done(std::move(*reply));
  auto req = std::make_shared<web::Request>(std::move(request));
  const auto queued_at = std::chrono::steady_clock::now();
  run_on_pool(
      std::move(done),
      [this, req, route, queued_at] {
        const RunningService& svc = *route->service;
        // Waited its service's time limit and 30 s more for a worker: its client has most likely
        // given up, and running it now would only make the queue behind it longer (issue 23: a
        // flood's queued requests ran on for minutes after the attacker left). A burst that a
        // service works through in that time is served whole.
        if (std::chrono::steady_clock::now() - queued_at > svc.context.limits.wall_time + std::chrono::seconds(30)) {
          auto res = error_response(503, svc.record.name + " is busy: this request waited too long for a turn",
                                    "retry shortly; raise MCM.MAX_CONCURRENCY if the service is often this busy");
          res.set(http::field::retry_after, "1");
          return Reply{std::move(res), nullptr};
        }
        if (!node_.services().by_id(svc.record.id))
          return not_found(svc.record.name + " was removed while this request waited", "deploy it again");
        auto stats = node_.services().stats(svc.record.id);
        return Reply{serve_service_request(svc, *stats, *req, route->rest, route->trace ? &*route->trace : nullptr),
                     nullptr};
      },
      service.record.id, service.context.limits.max_concurrency);
}

// A service whose runs are short and never wait is run right here, on the I/O thread that read
// the request, when its loop and the pool allow (see event_loops.hpp and run_history.hpp): no
// hand-off to a worker and back. None: it was not, post it to the pool.
std::optional<Reply> NodeRoutes::run_inline(const RunningService& service, const web::Request& request,
                                            const Route& route) {
  if (!service.runs.short_and_local() || !may_run_inline_here()) return std::nullopt;
  // Counted by the pool as one of the service's running jobs: its cap and turns hold as before.
  if (!pool_.enter(service.record.id, service.context.limits.max_concurrency)) return std::nullopt;
  struct Leave {
    ExecutionPool& pool;
    const std::string& owner;
    ~Leave() { pool.leave(owner); }
  } leave{pool_, service.record.id};
  auto inline_run = begin_inline_run();  // given: may_run_inline_here() said so on this thread
  return answered(node_, [&] {
    auto stats = node_.services().stats(service.record.id);
    return Reply{serve_service_request(service, *stats, request, route.rest, route.trace ? &*route.trace : nullptr,
                                       inline_run ? &*inline_run : nullptr),
                 nullptr};
  });
}

Reply NodeRoutes::mcm(const web::Request& req, const std::string& path, const std::string& client) {
  const auto method = req.method();
  const bool get = method == http::verb::get || method == http::verb::head;
  const auto parts = segments(std::string_view(path).substr(std::min<size_t>(path.size(), 8)));  // after "/mcm/v1/"
  auto nothing = [&] {
    return not_found("nothing here: " + printable(std::string(req.method_string())) + " " + printable(path),
                     "see docs/node.md for the mCM API");
  };
  if (!path.starts_with("/mcm/v1/") || parts.empty()) return nothing();

  if (parts[0] == "stats" && parts.size() == 1 && get) {
    json body = node_.stats_json();
    if (options_.door == Door::Dashboard) body["nodePort"] = options_.node_port;
    return reply_of(body);
  }

  if (parts[0] == "images") {
    if (parts.size() == 1 && get) return reply_of(node_.list_images(client));
    if (parts.size() == 1 && method == http::verb::post) {
      auto tar = uploaded_tar(req);
      if (!tar)
        return reply_of(make_error(ErrorKind::Invalid,
                                   "no image received: expected multipart/form-data with a file field named 'image'",
                                   "upload the .tar as: curl -F image=@NAME.tar ..."));
      return reply_of(
          node_.upload_image(client, std::span(reinterpret_cast<const uint8_t*>(tar->data()), tar->size())));
    }
    if (parts.size() == 3 && parts[2] == "tarball" && get) {
      auto tar = node_.image_tarball(client, parts[1]);
      if (!tar) return not_found("no image " + printable(parts[1]), "list images with GET /mcm/v1/images");
      web::Response res{http::status::ok, 11};
      res.set(http::field::content_type, "application/x-tar");
      res.set(http::field::content_disposition, "attachment; filename=\"" + parts[1] + ".tar\"");
      res.body() = std::move(*tar);
      return Reply{std::move(res), nullptr};
    }
    if (parts.size() == 2 && get) return reply_of(node_.get_image(client, parts[1]));
    if (parts.size() == 2 && method == http::verb::delete_) return reply_of(node_.delete_image(client, parts[1]));
    return nothing();
  }

  if (parts[0] == "containers" || parts[0] == "mims") {  // "mims": newer nodes' name for containers
    if (parts.size() == 1 && get) return reply_of(node_.list_containers(client));
    if (parts.size() == 1 && method == http::verb::post) {
      auto body = json::parse(req.body(), nullptr, false);
      if (body.is_discarded())
        return reply_of(
            make_error(ErrorKind::Invalid, "the body is not JSON",
                       R"(send {"name": "hello-v1", "image": "hello-v1", "env": {"MCM.BASE_API_PATH": "/hello/v1"}})"));
      return reply_of(node_.start_container(client, body));
    }
    if (parts.size() == 3 && parts[2] == "logs" && get) return container_logs(req, client, parts[1]);
    if (parts.size() == 3 && parts[2] == "restart" && method == http::verb::post)
      return reply_of(node_.restart_container(client, parts[1]));
    if (parts.size() == 2 && get) return reply_of(node_.get_container(client, parts[1]));
    if (parts.size() == 2 && method == http::verb::delete_) return reply_of(node_.delete_container(client, parts[1]));
  }
  return nothing();
}

Reply NodeRoutes::container_logs(const web::Request& req, const std::string& client, const std::string& id) {
  auto file = node_.container_log(client, id);
  if (!file) return not_found("no container " + printable(id), "list containers with GET /mcm/v1/containers");
  std::string initial = read_service_log(*file, query_int(req.target(), "since"));
  web::Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (!query_flag(req.target(), "follow")) {
    res.body() = std::move(initial);
    return Reply{std::move(res), nullptr};
  }
  // Following costs the node a timer and a file read every 200 ms, on the I/O threads, not a worker.
  return Reply{std::move(res), std::make_shared<LogFollower>(*file, std::move(initial))};
}

void NodeRoutes::log(const web::RequestHead& head, const Route* route, int status, std::chrono::microseconds elapsed) {
  // The path as logged: printable, and never with the token in it (a client that put the token
  // into a URL must not find it in the node's log).
  std::string path = printable(route ? route->path : decoded_path(head.target()));
  if (options_.token && !options_.token->empty())
    for (size_t at = path.find(*options_.token); at != std::string::npos; at = path.find(*options_.token, at + 7))
      path.replace(at, options_.token->size(), "<token>");  // (past the "<token>": it may contain the token)
  const std::string method = printable(head.method_string());
  const RunningService* service = route ? route->service.get() : nullptr;
  if (service && service->metrics) service->metrics->answered(status, elapsed);
  const TraceContext* trace = route && route->trace ? &*route->trace : nullptr;
  if (trace && trace->sampled() && options_.metrics && options_.metrics->spans()) {
    Span span;
    span.trace_id = trace->trace_id();
    span.span_id = trace->span_id();
    span.parent_span_id = trace->parent_span_id();
    span.name = fmt::format("{} {}", method, service ? service->base_path : std::string("node"));
    span.end = std::chrono::system_clock::now();
    span.start = span.end - elapsed;
    span.attributes = {{"http.request.method", method}, {"url.path", path}};
    if (service) span.attributes.emplace_back("edge.service", service->record.name);
    span.status_code = status;
    span.error = status >= 500;
    options_.metrics->spans()->record(std::move(span));
  }
  if (log_format() == LogFormat::Json) {
    json line = {{"time", utc_timestamp()},
                 {"method", method},
                 {"path", path},
                 {"status", status},
                 {"durationMs", std::round(elapsed.count() / 100.0) / 10.0}};
    if (service) {
      line["service"] = service->record.name;
      line["tier"] = service->module->engine_name();
    }
    if (trace) {
      line["traceId"] = trace->trace_id();
      line["spanId"] = trace->span_id();
      if (!trace->parent_span_id().empty()) line["parentSpanId"] = trace->parent_span_id();
    }
    return access_log_.write(edge::json_text(line) + "\n");
  }
  access_log_.write(fmt::format("{} {} {} {:.1f}ms{}{}\n", method, path, status, elapsed.count() / 1000.0,
                                trace ? " trace=" : "", trace ? trace->trace_id() : std::string_view()));
}

}  // namespace edge::node
