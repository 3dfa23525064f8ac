#include "routes.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "dashboard.hpp"
#include "edge/node/multipart.hpp"
#include "service_log.hpp"
#include "web_server.hpp"

namespace edge::node {
using nlohmann::json;
namespace http = web::http;

namespace {

constexpr uint64_t kMaxUploadBytes = 80u << 20;  // multipart overhead around the 64 MiB image limit
constexpr uint64_t kMaxMcmJsonBytes = 1u << 20;  // a container start, say: a few hundred bytes

bool is_mcm(std::string_view path) { return path == "/mcm" || path.starts_with("/mcm/"); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int hi = 0, lo = 0;
    if (text[i] == '%' && i + 2 < text.size() && (hi = hex_value(text[i + 1])) >= 0 && (lo = hex_value(text[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value of `key` in the target's query (decoded), nullopt when absent.
std::optional<std::string> query_value(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == key)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
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

bool authorised(const web::RequestHead& head, const std::string& token) {
  std::string_view value = head[http::field::authorization];
  static constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size()) return false;
  if (!boost::beast::iequals(value.substr(0, scheme.size()), scheme)) return false;
  return constant_time_equal(value.substr(scheme.size()), token);
}

Reply reply_of(const ApiReply& api) { return Reply{json_response(api), nullptr}; }

Reply not_found(const std::string& message, const std::string& hint) { return reply_of(error_reply(404, message, hint)); }

web::Response too_large_for_service(const std::string& name, uint64_t length, uint64_t limit) {
  return json_response(error_reply(
      413,
      length ? fmt::format("request body of {} bytes is over this service's limit of {} bytes", length, limit)
             : fmt::format("request body is over this service's limit of {} bytes", limit),
      name.empty() ? "send less" : "send less, or raise the limit with the container env EDGE_MAX_BODY_BYTES"));
}

// The upload's tar: the multipart file field `image` (what mimik's tools and `edge deploy`
// send), or a raw tar body as a convenience for curl --data-binary.
std::optional<std::string> uploaded_tar(const web::Request& req) {
  std::string_view type = req[http::field::content_type];
  if (auto boundary = multipart_boundary(type)) {
    auto parts = parse_multipart(req.body(), *boundary);
    if (!parts) return std::nullopt;
    for (auto& part : *parts)
      if (part.name == "image") return std::move(part.data);
    return std::nullopt;
  }
  if (type.starts_with("application/x-tar") || type.starts_with("application/tar")) return req.body();
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

std::string decoded_path(std::string_view target) { return percent_decode(target.substr(0, target.find('?'))); }

NodeRoutes::NodeRoutes(Node& node, ExecutionPool& pool, AccessLog& access_log, RouteOptions options)
    : node_(node), pool_(pool), access_log_(access_log), options_(std::move(options)) {}

void NodeRoutes::set_ports(int node_port, int dashboard_port) {
  options_.node_port = node_port;
  options_.dashboard_port = dashboard_port;
}

Admission NodeRoutes::admit(const web::RequestHead& head, std::optional<uint64_t> content_length) {
  const std::string path = decoded_path(head.target());
  Admission admission;
  auto refuse = [&](web::Response res) {
    admission.refusal = std::move(res);
    return admission;
  };
  if (is_mcm(path)) {
    if (options_.door == Door::Dashboard && head.method() != http::verb::get)
      return refuse(json_response(error_reply(405, "the dashboard port only reads the mCM API",
                                              fmt::format("deploy and remove on the node port {}", options_.node_port))));
    if (options_.token && !authorised(head, *options_.token)) {
      auto res = json_response(error_reply(401, "missing or wrong bearer token for the mCM API",
                                           "send Authorization: Bearer <token>; the token is in the node's data dir (token file)"));
      res.set(http::field::www_authenticate, "Bearer");
      return refuse(std::move(res));
    }
    const bool upload = head.method() == http::verb::post && path == "/mcm/v1/images";
    admission.body_limit = upload ? kMaxUploadBytes : kMaxMcmJsonBytes;
    if (content_length && *content_length > admission.body_limit) return refuse(too_large(head, admission.body_limit));
    return admission;
  }
  if (options_.door == Door::Dashboard) return admission;  // static files: no body

  // Services are public: their bodies are judged by the announced length before any is read.
  std::string rest;
  auto service = node_.services().match(path, &rest);
  admission.body_limit = service ? service->context.limits.max_request_body_bytes : Limits{}.max_request_body_bytes;
  if (content_length && *content_length > admission.body_limit)
    return refuse(too_large_for_service(service ? service->record.name : "", *content_length, admission.body_limit));
  return admission;
}

web::Response NodeRoutes::too_large(const web::RequestHead& head, uint64_t limit) {
  const std::string path = decoded_path(head.target());
  if (is_mcm(path))
    return json_response(error_reply(413, fmt::format("request body is over the mCM API's limit of {} bytes", limit),
                                     "images are at most 64 MiB; container requests a few KiB"));
  std::string rest;
  auto service = node_.services().match(path, &rest);
  return too_large_for_service(service ? service->record.name : "", 0, limit);
}

void NodeRoutes::run_on_pool(ReplyCallback done, std::function<Reply()> work, const std::string& owner, size_t cap) {
  // `done` is shared: if the pool refuses the job, the job (and its copy) is gone and we answer.
  auto answer = std::make_shared<ReplyCallback>(std::move(done));
  if (!pool_.try_post([answer, work = std::move(work)] { (*answer)(work()); }, owner, cap)) {
    auto res = json_response(error_reply(503, "the node is busy: every execution slot is taken and the queue is full",
                                         "retry shortly"));
    res.set(http::field::retry_after, "1");
    (*answer)(Reply{std::move(res), nullptr});
  }
}

void NodeRoutes::handle(web::Request request, ReplyCallback done) {
  std::string path = decoded_path(request.target());
  const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
  if (path == "/healthz" && read) {
    web::Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok\n";
    return done(Reply{std::move(res), nullptr});
  }
  if (is_mcm(path)) {
    auto req = std::make_shared<web::Request>(std::move(request));
    return run_on_pool(std::move(done), [this, req, path = std::move(path)] { return mcm(*req, path); });
  }
  if (options_.door == Door::Dashboard) {
    if (read && path == "/") return done(Reply{serve_dashboard(""), nullptr});
    if (read && path.starts_with("/dashboard/")) return done(Reply{serve_dashboard(path.substr(11)), nullptr});
    return done(not_found("nothing here: " + printable(path), "this is the dashboard port; services answer on port " +
                                                                    std::to_string(options_.node_port)));
  }
  if (path == "/" && read && options_.dashboard_port) {
    // A browser pointed at the node finds the dashboard on its own origin (see routes.hpp).
    std::string_view host = request[http::field::host];
    std::string hostname(host.substr(0, host.rfind(':') == std::string_view::npos || host.ends_with(']')
                                            ? host.size() : host.rfind(':')));
    if (hostname.empty()) hostname = "127.0.0.1";
    web::Response res{http::status::found, 11};
    // The query goes along: `/?token=...` hands the dashboard its token, as it always did.
    const std::string_view target = request.target();
    const auto query = target.find('?') == std::string_view::npos ? std::string_view() : target.substr(target.find('?'));
    res.set(http::field::location, fmt::format("http://{}:{}/{}", hostname, options_.dashboard_port, query));
    return done(Reply{std::move(res), nullptr});
  }

  std::string rest;
  auto service = node_.services().match(path, &rest);
  if (!service)
    return done(not_found("nothing here: " + printable(std::string(request.method_string())) + " " + printable(path),
                          "services answer under /" + node_.client_id() + "<MCM.BASE_API_PATH>/"));
  auto req = std::make_shared<web::Request>(std::move(request));
  const std::string owner = service->record.name;
  const size_t cap = service->context.limits.max_concurrency;
  run_on_pool(
      std::move(done),
      [this, req, service = std::move(service), rest = std::move(rest)] {
        auto stats = node_.services().stats(service->record.name);
        return Reply{serve_service_request(*service, *stats, *req, rest), nullptr};
      },
      owner, cap);
}

Reply NodeRoutes::mcm(const web::Request& req, const std::string& path) {
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
    return reply_of({200, body});
  }

  if (parts[0] == "images") {
    if (parts.size() == 1 && get) return reply_of(node_.list_images());
    if (parts.size() == 1 && method == http::verb::post) {
      auto tar = uploaded_tar(req);
      if (!tar)
        return reply_of(error_reply(400, "no image received: expected multipart/form-data with a file field named 'image'",
                                    "upload the .tar as: curl -F image=@NAME.tar ..."));
      return reply_of(node_.upload_image(std::span(reinterpret_cast<const uint8_t*>(tar->data()), tar->size())));
    }
    if (parts.size() == 3 && parts[2] == "tarball" && get) {
      auto tar = node_.image_tarball(parts[1]);
      if (!tar) return not_found("no image " + printable(parts[1]), "list images with GET /mcm/v1/images");
      web::Response res{http::status::ok, 11};
      res.set(http::field::content_type, "application/x-tar");
      res.set(http::field::content_disposition, "attachment; filename=\"" + parts[1] + ".tar\"");
      res.body() = std::move(*tar);
      return Reply{std::move(res), nullptr};
    }
    if (parts.size() == 2 && get) return reply_of(node_.get_image(parts[1]));
    if (parts.size() == 2 && method == http::verb::delete_) return reply_of(node_.delete_image(parts[1]));
    return nothing();
  }

  if (parts[0] == "containers" || parts[0] == "mims") {  // "mims": newer nodes' name for containers
    if (parts.size() == 1 && get) return reply_of(node_.list_containers());
    if (parts.size() == 1 && method == http::verb::post) {
      auto body = json::parse(req.body(), nullptr, false);
      if (body.is_discarded())
        return reply_of(error_reply(400, "the body is not JSON",
                                    R"(send {"name": "hello-v1", "image": "hello-v1", "env": {"MCM.BASE_API_PATH": "/hello/v1"}})"));
      return reply_of(node_.start_container(body));
    }
    if (parts.size() == 3 && parts[2] == "logs" && get) return container_logs(req, parts[1]);
    if (parts.size() == 2 && get) return reply_of(node_.get_container(parts[1]));
    if (parts.size() == 2 && method == http::verb::delete_) return reply_of(node_.delete_container(parts[1]));
  }
  return nothing();
}

Reply NodeRoutes::container_logs(const web::Request& req, const std::string& id) {
  auto file = node_.container_log(id);
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

void NodeRoutes::log(const web::RequestHead& head, int status, std::chrono::microseconds elapsed) {
  // The path as logged: printable, and never with the token in it (a client that put the token
  // into a URL must not find it in the node's log).
  std::string path = printable(decoded_path(head.target()));
  if (options_.token && !options_.token->empty())
    for (size_t at = path.find(*options_.token); at != std::string::npos; at = path.find(*options_.token, at + 7))
      path.replace(at, options_.token->size(), "<token>");  // (past the "<token>": it may contain the token)
  access_log_.write(fmt::format("{} {} {} {:.1f}ms\n", printable(head.method_string()), path, status,
                                 elapsed.count() / 1000.0));
}

}  // namespace edge::node
