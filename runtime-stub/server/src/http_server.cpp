#include "http_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/core.h>

#include "dashboard.hpp"
#include "connection_threads.hpp"
#include "service_log.hpp"
#include "web_server.hpp"

namespace edge::node {
using nlohmann::json;

namespace {

// Set when a request's routing starts (pre-routing handler), read by the logger on the same
// worker thread once the response is written.
thread_local std::chrono::steady_clock::time_point request_started;

constexpr size_t kMaxUploadBytes = 80u << 20;  // multipart overhead around the 64 MiB image limit
constexpr size_t kMaxConnectionThreads = 1024;  // connections served at once; more wait their turn

// Content-Length as a number; nullopt when it is not one (negative, overflowing, junk).
std::optional<uint64_t> content_length(const std::string& value) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
  return n;
}

// The path as logged: printable, and never with the token in it (a client that put the token
// into a URL must not find it in the node's log).
std::string loggable_path(const std::string& path, const std::optional<std::string>& token) {
  std::string out = printable(path);
  if (!token || token->empty()) return out;
  for (size_t at = out.find(*token); at != std::string::npos; at = out.find(*token, at))
    out.replace(at, token->size(), "<token>");
  return out;
}

// cpp-httplib 0.11 listens with a backlog of 5 (compiled in): with more connections arriving at
// once the kernel drops their handshakes and clients wait for SYN retransmits (1 s, 3 s, ...).
// listen() again on the bound socket raises the backlog; the socket is found by its port.
void raise_listen_backlog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                             : -1;
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
}

bool is_mcm(const std::string& path) { return path == "/mcm" || path.starts_with("/mcm/"); }

bool authorised(const httplib::Request& req, const std::string& token) {
  const std::string value = req.get_header_value("Authorization");
  static constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size()) return false;
  std::string lowered_scheme = value.substr(0, scheme.size());
  std::transform(lowered_scheme.begin(), lowered_scheme.end(), lowered_scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lowered_scheme != "bearer ") return false;
  return constant_time_equal(std::string_view(value).substr(scheme.size()), token);
}

std::optional<int64_t> query_int(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return std::nullopt;
  try {
    return std::stoll(req.get_param_value(key));
  } catch (...) {
    return std::nullopt;
  }
}

bool query_flag(const httplib::Request& req, const char* key) {
  if (!req.has_param(key)) return false;
  auto v = req.get_param_value(key);
  return v.empty() || v == "1" || v == "true" || v == "yes";
}

// The upload's tar: the multipart file field `image` (what mimik's tools and `edge deploy`
// send), or a raw tar body as a convenience for curl --data-binary.
std::optional<std::string_view> uploaded_tar(const httplib::Request& req) {
  if (req.is_multipart_form_data()) {
    if (!req.has_file("image")) return std::nullopt;
    return std::string_view(req.files.find("image")->second.content);
  }
  auto type = req.get_header_value("Content-Type");
  if (type.starts_with("application/x-tar") || type.starts_with("application/tar")) return std::string_view(req.body);
  return std::nullopt;
}

}  // namespace

HttpServer::HttpServer(Node& node, HttpOptions options)
    : node_(node), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  // httplib gives each connection a worker for its lifetime. Wasm requests need one per core
  // (at least 4); idle keep-alive connections and log followers need more, but cost no CPU.
  threads_ = options_.threads ? options_.threads : 4 * std::max<size_t>(4, std::thread::hardware_concurrency());
  // A thread per connection (see connection_threads.hpp): slow and idle clients wait on their
  // own thread. Wasm runs on at most threads_ of them at once (web_server.cpp).
  server_->new_task_queue = [] { return new ConnectionThreads(kMaxConnectionThreads); };
  set_execution_slots(threads_);
  server_->set_payload_max_length(kMaxUploadBytes);
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);
  server_->set_keep_alive_timeout(2);  // an idle connection gives its worker back soon
  // Without TCP_NODELAY small responses wait for the client's delayed ACK (~40 ms each):
  // wrk measured 37 req/s on one connection, 445 on 16, for a route that does nothing.
  server_->set_tcp_nodelay(true);
  install_routes();
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind() {
  if (!server_->bind_to_port(options_.host, options_.port))
    return make_error(fmt::format("cannot listen on {}:{}", options_.host, options_.port),
                      "is another edge-node running? choose another --port");
  raise_listen_backlog(options_.port);
  return options_.port;
}

void HttpServer::serve() { server_->listen_after_bind(); }

void HttpServer::stop() {
  stopping_ = true;
  server_->stop();
}

void HttpServer::install_routes() {
  auto& s = *server_;
  Node& node = node_;

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_started = std::chrono::steady_clock::now();
    if (is_mcm(req.path) && options_.token && !authorised(req, *options_.token)) {
      set_json(res, error_reply(401, "missing or wrong bearer token for the mCM API",
                                "send Authorization: Bearer <token>; the token is in the node's data dir (token file)"));
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_header("Connection", "close");  // the body (if any) was not read
      return httplib::Server::HandlerResponse::Handled;
    }
    // A Content-Length that is not a number (negative, overflowing) would leave httplib waiting
    // for a body that never ends: refuse it from the headers.
    if (req.has_header("Content-Length") && !content_length(req.get_header_value("Content-Length"))) {
      set_json(res, error_reply(400, "Content-Length is not a number", "send the body's size in bytes"));
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    // Service calls need no token, so their bodies are judged by Content-Length before anything
    // is read into memory: the service's limit (EDGE_MAX_BODY_BYTES), or the default limit for
    // paths no service owns. (Authorised mCM uploads keep httplib's way: the body is read and
    // discarded, then 413, so `edge deploy` sees the 413 rather than a broken pipe.)
    if (!is_mcm(req.path) && req.has_header("Content-Length")) {
      const uint64_t length = *content_length(req.get_header_value("Content-Length"));
      std::string rest;
      auto service = node_.services().match(req.path, &rest);
      const size_t limit = service ? service->context.limits.max_request_body_bytes : Limits{}.max_request_body_bytes;
      if (length > limit) {
        set_json(res, error_reply(413, fmt::format("request body of {} bytes is over this service's limit of {} bytes",
                                                   length, limit),
                                  "send less, or raise the limit with the container env EDGE_MAX_BODY_BYTES"));
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_started).count();
    fmt::print("{} {} {} {:.1f}ms\n", printable(req.method), loggable_path(req.path, options_.token), res.status, ms);
    std::fflush(stdout);
  });

  // Errors httplib produces itself (no route, body too large, bad request) get the JSON shape too.
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = res.status == 413   ? "request body too large"
                          : res.status == 404 ? "not found"
                          : res.status == 400 ? "bad request"
                                              : "HTTP error " + std::to_string(res.status);
    set_json(res, error_reply(res.status, message));
    return httplib::Server::HandlerResponse::Handled;
  }));

  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = std::string("internal error: ") + e.what();
    } catch (...) {
    }
    set_json(res, error_reply(500, what));
  });

  // ---- liveness: a native route, also the baseline of scripts/bench.sh's hello_rps ratio ----
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });

  // ---- images ----
  s.Get("/mcm/v1/images", [&node](const httplib::Request&, httplib::Response& res) { set_json(res, node.list_images()); });
  s.Post("/mcm/v1/images", [&node](const httplib::Request& req, httplib::Response& res) {
    auto tar = uploaded_tar(req);
    if (!tar) {
      set_json(res, error_reply(400, "no image received: expected multipart/form-data with a file field named 'image'",
                                "upload the .tar as: curl -F image=@NAME.tar ..."));
      return;
    }
    set_json(res, node.upload_image(std::span(reinterpret_cast<const uint8_t*>(tar->data()), tar->size())));
  });
  s.Get(R"(/mcm/v1/images/([^/]+)/tarball)", [&node](const httplib::Request& req, httplib::Response& res) {
    auto tar = node.image_tarball(req.matches[1]);
    if (!tar) return set_json(res, error_reply(404, "no image " + std::string(req.matches[1]), "list images with GET /mcm/v1/images"));
    res.set_header("Content-Disposition", "attachment; filename=\"" + std::string(req.matches[1]) + ".tar\"");
    res.set_content(std::move(*tar), "application/x-tar");
  });
  s.Get(R"(/mcm/v1/images/([^/]+))", [&node](const httplib::Request& req, httplib::Response& res) {
    set_json(res, node.get_image(req.matches[1]));
  });
  s.Delete(R"(/mcm/v1/images/([^/]+))", [&node](const httplib::Request& req, httplib::Response& res) {
    set_json(res, node.delete_image(req.matches[1]));
  });

  // ---- containers, also as "mims" (newer nodes' name for them) ----
  for (std::string kind : {"containers", "mims"}) {
    const std::string base = "/mcm/v1/" + kind;
    s.Get(base, [&node](const httplib::Request&, httplib::Response& res) { set_json(res, node.list_containers()); });
    s.Post(base, [&node](const httplib::Request& req, httplib::Response& res) {
      auto body = json::parse(req.body, nullptr, false);
      if (body.is_discarded())
        return set_json(res, error_reply(400, "the body is not JSON",
                                         R"(send {"name": "hello-v1", "image": "hello-v1", "env": {"MCM.BASE_API_PATH": "/hello/v1"}})"));
      set_json(res, node.start_container(body));
    });
    s.Get(base + R"(/([^/]+)/logs)", [this, &node](const httplib::Request& req, httplib::Response& res) {
      auto file = node.container_log(req.matches[1]);
      if (!file) return set_json(res, error_reply(404, "no container " + std::string(req.matches[1]), "list containers with GET /mcm/v1/containers"));
      std::string initial = read_service_log(*file, query_int(req, "since"));
      if (!query_flag(req, "follow")) return res.set_content(initial, "text/plain; charset=utf-8");
      // Followers hold a worker each: at most a quarter of them, so they cannot starve services.
      if (followers_.fetch_add(1) >= threads_ / 4) {
        followers_.fetch_sub(1);
        return set_json(res, error_reply(429, "too many log followers on this node",
                                         "close another `edge logs -f`, or read without follow"));
      }
      // Follow: what is there now, then whatever the service writes, until the client goes away.
      std::error_code ec;
      auto offset = std::make_shared<uintmax_t>(std::filesystem::exists(*file, ec) ? std::filesystem::file_size(*file, ec) : 0);
      auto pending = std::make_shared<std::string>(std::move(initial));
      res.set_chunked_content_provider("text/plain; charset=utf-8",
          [this, path = *file, offset, pending](size_t, httplib::DataSink& sink) {
            if (stopping_) {
              sink.done();
              return true;
            }
            if (!pending->empty()) {
              bool ok = sink.write(pending->data(), pending->size());
              pending->clear();
              return ok;
            }
            if (!sink.is_writable()) return false;
            std::error_code ec;
            uintmax_t size = std::filesystem::exists(path, ec) ? std::filesystem::file_size(path, ec) : 0;
            if (size < *offset) *offset = 0;  // rotated
            if (size > *offset) {
              std::ifstream in(path, std::ios::binary);
              in.seekg(static_cast<std::streamoff>(*offset));
              std::string chunk(size - *offset, '\0');
              in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
              chunk.resize(static_cast<size_t>(in.gcount()));
              *offset += chunk.size();
              if (!chunk.empty()) return sink.write(chunk.data(), chunk.size());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            return true;
          },
          [this](bool) { followers_.fetch_sub(1); });
    });
    s.Get(base + R"(/([^/]+))", [&node](const httplib::Request& req, httplib::Response& res) {
      set_json(res, node.get_container(req.matches[1]));
    });
    s.Delete(base + R"(/([^/]+))", [&node](const httplib::Request& req, httplib::Response& res) {
      set_json(res, node.delete_container(req.matches[1]));
    });
  }

  // Extension: request counts and latency per service.
  s.Get("/mcm/v1/stats", [&node](const httplib::Request&, httplib::Response& res) { set_json(res, {200, node.stats_json()}); });

  // Extension: the dashboard page (public; its script asks the mCM API with the user's token).
  s.Get(R"(/|/dashboard/([^/]+))", [](const httplib::Request& req, httplib::Response& res) { serve_dashboard(req.matches[1], res); });

  // ---- everything else: a deployed service, or a JSON 404 ----
  auto fallback = [&node](const httplib::Request& req, httplib::Response& res) {
    if (!is_mcm(req.path) && serve_service_request(node, req, res)) return;
    set_json(res, error_reply(404, "nothing here: " + req.method + " " + req.path,
                              is_mcm(req.path) ? "see docs/node.md for the mCM API"
                                               : "services answer under /" + node.client_id() + "<MCM.BASE_API_PATH>/"));
  };
  s.Get(".*", fallback);
  s.Post(".*", fallback);
  s.Put(".*", fallback);
  s.Patch(".*", fallback);
  s.Delete(".*", fallback);
  s.Options(".*", fallback);
}

}  // namespace edge::node
