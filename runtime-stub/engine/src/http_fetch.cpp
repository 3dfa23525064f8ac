#include "http_fetch.hpp"

// Boost 1.74's Asio recognises C++20 coroutines on GCC only; clang has them too (the fuzz
// build uses clang). Only this file uses them.
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>
#include <utility>  // asio's awaitable.hpp uses std::exchange without including it (Boost 1.74)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "edge/abi_names.hpp"
#include "edge/node/engine.hpp"
#include "edge/node/wire_text.hpp"

namespace edge::node {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr int kMaxRedirects = 5;
constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

// Every fetch runs its own small event loop on the thread of the guest that asked (that thread
// waits for the answer anyway, so no hand-off to another thread is needed). The loops in flight
// are registered here so that a stopping node can end them all at once.
struct LiveFetches {
  std::mutex mu;
  std::set<net::io_context*> loops;
  bool stopped = false;
};
LiveFetches& live_fetches() {
  static LiveFetches live;
  return live;
}

class Registration {
 public:
  explicit Registration(net::io_context& loop) : loop_(loop) {
    auto& live = live_fetches();
    std::lock_guard lock(live.mu);
    admitted_ = !live.stopped;
    if (admitted_) live.loops.insert(&loop_);
  }
  ~Registration() {
    auto& live = live_fetches();
    std::lock_guard lock(live.mu);
    live.loops.erase(&loop_);
  }
  bool admitted() const { return admitted_; }

 private:
  net::io_context& loop_;
  bool admitted_ = false;
};

struct Url {
  bool tls = false;
  std::string host, port, target;
};

Result<Url> parse_url(const std::string& url) {
  const auto bad = [](std::string why) { return make_error(ErrorKind::Invalid, std::move(why)); };
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("'" + url + "' is not an absolute URL");
  std::string scheme = url.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return bad("unsupported scheme '" + scheme + "' in " + url);
  Url out;
  out.tls = scheme == "https";
  const size_t authority_start = scheme_end + 3;
  const size_t path_start = url.find_first_of("/?#", authority_start);
  std::string authority = url.substr(authority_start, path_start - authority_start);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);  // no userinfo
  out.target = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (auto hash = out.target.find('#'); hash != std::string::npos) out.target.erase(hash);
  if (out.target.empty() || out.target[0] != '/') out.target.insert(0, "/");
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) return bad("bad IPv6 host in " + url);
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') out.port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
  }
  if (out.host.empty()) return bad("no host in " + url);
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  return out;
}

// The host as it goes into a Host header or a URL: an IPv6 address in brackets.
std::string host_for_url(const Url& url) {
  return url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
}

// The CA store is read once: loading it costs milliseconds, and the context is thread-safe to use.
net::ssl::context& tls_context() {
  static net::ssl::context ctx = [] {
    net::ssl::context c(net::ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(net::ssl::verify_peer);
    return c;
  }();
  return ctx;
}

using Response = http::response<http::string_body>;

template <class Stream>
net::awaitable<Response> exchange(Stream& stream, http::request<http::string_body>& req, size_t max_body) {
  co_await http::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(max_body);
  if (req.method() == http::verb::head) parser.skip(true);
  co_await http::async_read(stream, buffer, parser, net::use_awaitable);
  co_return parser.release();
}

net::awaitable<Response> fetch_once(const Url& url, http::request<http::string_body>& req, size_t max_body) {
  auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, net::use_awaitable);
  if (!url.tls) {
    beast::tcp_stream stream(executor);
    co_await stream.async_connect(endpoints, net::use_awaitable);
    stream.socket().set_option(tcp::no_delay(true));
    co_return co_await exchange(stream, req, max_body);
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls_context());
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()));
  stream.set_verify_callback(net::ssl::host_name_verification(url.host));
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::use_awaitable);
  co_await stream.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
  co_return co_await exchange(stream, req, max_body);
}

// The request as sent: the guest's method, headers and body; Host set for the URL.
http::request<http::string_body> make_request(const FetchRequest& request, const Url& url) {
  std::string method = request.method.empty() ? "GET" : request.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(url.target);
  req.version(11);
  const bool default_port = url.port == (url.tls ? "443" : "80");
  req.set(http::field::host, default_port ? host_for_url(url) : host_for_url(url) + ":" + url.port);
  req.set(http::field::user_agent, "edge-node");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.body() = request.body;
  if (!request.body.empty() && req[http::field::content_type].empty())
    req.set(http::field::content_type, "application/json");
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

// Where a redirect leads: an absolute URL, or a path on the same origin.
std::string resolve_location(const Url& from, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return std::string(location);
  const std::string origin = std::string(from.tls ? "https://" : "http://") + host_for_url(from) + ":" + from.port;
  if (location.starts_with("//")) return std::string(from.tls ? "https:" : "http:") + std::string(location);
  if (location.starts_with("/")) return origin + std::string(location);
  auto slash = from.target.rfind('/', from.target.find('?'));
  return origin + from.target.substr(0, slash + 1) + std::string(location);
}

net::awaitable<FetchOutcome> fetch_following(FetchRequest request, size_t max_body) {
  FetchOutcome out;
  // What the guest asks to send goes on the wire as it is: nothing in it may split the request.
  for (const auto& [name, value] : request.headers)
    if (auto problem = header_problem(name, value)) {
      out.error = std::string(abi::method::httpclient_fetch) + ": " + *problem;
      co_return out;
    }
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    if (auto problem = url_problem(request.url)) {
      out.error = std::string(abi::method::httpclient_fetch) + ": " + *problem;
      co_return out;
    }
    auto url = parse_url(request.url);
    if (!url) {
      out.error = std::string(abi::method::httpclient_fetch) + ": " + url.error().message;
      co_return out;
    }
    auto req = make_request(request, *url);
    Response res;
    try {
      res = co_await fetch_once(*url, req, max_body);
    } catch (const beast::system_error& e) {
      out.error = std::string(abi::method::httpclient_fetch) + " " + request.url + " failed: " + e.code().message();
      co_return out;
    }
    const unsigned status = res.result_int();
    const std::string_view location = res[http::field::location];
    if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && !location.empty() &&
        hop < kMaxRedirects) {
      request.url = resolve_location(*url, location);
      if (status == 303 || ((status == 301 || status == 302) && request.method != "GET" && request.method != "HEAD")) {
        request.method = "GET";  // what browsers and curl do
        request.body.clear();
      }
      continue;
    }
    FetchResponse got;
    got.status = static_cast<int>(status);
    for (const auto& field : res) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      got.headers[name] = std::string(field.value());
    }
    got.body = std::move(res.body());
    out.response = std::move(got);
    co_return out;
  }
  out.error = std::string(abi::method::httpclient_fetch) + " " + request.url + ": more than " +
              std::to_string(kMaxRedirects) + " redirects";
  co_return out;
}

thread_local BlockingObserver* blocking_observer = nullptr;

// Tells this thread's observer (if any) that it waits, for the scope's duration.
class BlockingRegion {
 public:
  BlockingRegion() {
    if (blocking_observer) blocking_observer->blocking_begins();
  }
  ~BlockingRegion() {
    if (blocking_observer) blocking_observer->blocking_ends();
  }
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;
};

}  // namespace

void set_thread_blocking_observer(BlockingObserver* observer) { blocking_observer = observer; }
BlockingObserver* thread_blocking_observer() { return blocking_observer; }

void stop_outbound_fetches() {
  auto& live = live_fetches();
  std::lock_guard lock(live.mu);
  live.stopped = true;
  for (auto* loop : live.loops) loop->stop();
}

FetchOutcome http_fetch(const FetchRequest& request, std::chrono::steady_clock::time_point deadline,
                        size_t max_body_bytes) {
  FetchOutcome out;
  if (std::chrono::steady_clock::now() >= deadline) {
    out.error = std::string(abi::method::httpclient_fetch) + " " + request.url + ": no time left in this request";
    out.deadline_passed = true;
    return out;
  }
  net::io_context loop(1);
  Registration registration(loop);
  if (!registration.admitted()) {
    out.error = std::string(abi::method::httpclient_fetch) + " " + request.url + ": the node is stopping";
    return out;
  }
  std::optional<FetchOutcome> done;
  net::co_spawn(loop, fetch_following(request, max_body_bytes), [&](std::exception_ptr e, FetchOutcome r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        r.error = std::string(abi::method::httpclient_fetch) + " " + request.url + " failed: " + ex.what();
      }
    }
    done = std::move(r);
  });
  // Ends when the fetch is done, at the deadline, or when the node stops: whichever comes first.
  // (A watchdog signal interrupting the wait does not restart it: the deadline is absolute.)
  {
    BlockingRegion waiting;
    loop.run_until(deadline);
  }
  if (done) return std::move(*done);
  if (loop.stopped() && std::chrono::steady_clock::now() < deadline) {
    out.error = std::string(abi::method::httpclient_fetch) + " " + request.url + ": the node is stopping";
    return out;
  }
  out.error =
      std::string(abi::method::httpclient_fetch) + " " + request.url + ": no answer before the request's deadline";
  out.deadline_passed = true;
  return out;
}

}  // namespace edge::node
