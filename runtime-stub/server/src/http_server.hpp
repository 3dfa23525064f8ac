#pragma once
// The node's HTTP/1.1 front door, on Boost.Beast over Boost.Asio: listeners, connections and the
// limits every connection lives under. It knows nothing of the mCM API or services: each listener
// hands complete requests to an HttpApplication (routes.hpp) and writes back what it answers.
//
// Why Beast: its parser enforces the header and body limits while it reads (a 1 GiB request line
// costs the node 16 KiB, not 1 GiB), requests without a body are complete at the end of their
// headers, pipelined requests queue in the read buffer and are answered in order, and one Asio
// event loop carries every connection, timer and outbound fetch: an idle or slow client costs a
// socket and a few KiB, never a thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/http.hpp>

#include "edge/core/result.hpp"

namespace edge::node {

namespace web {
namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using RequestHead = http::request_header<>;
}  // namespace web

// What an application made of a request's headers (for the node: the decoded path, the service
// it goes to). Defined by the application; the server only keeps it with the request and hands
// it back, so nothing is worked out twice.
struct Route;
using RoutePtr = std::shared_ptr<const Route>;

// What an application decides from a request's headers alone, before any of its body is read.
struct Admission {
  std::optional<web::Response> refusal;  // answer this now; the body is never read
  uint64_t body_limit = 0;               // bytes; a longer body (even chunked) gets too_large()
  RoutePtr route;                        // set for every admitted request; handed back to too_large(), handle(), log()
};

// A response whose body is produced over time (`edge logs -f`): sent chunked, polled every 200 ms.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The bytes that are new since the last call (may be empty); nullopt ends the response.
  virtual std::optional<std::string> poll() = 0;
};

struct Reply {
  web::Response response;
  std::shared_ptr<BodyStream> stream;  // set: `response` is only the head, the body comes from here
};

using ReplyCallback = std::function<void(Reply)>;

class HttpApplication {
 public:
  virtual ~HttpApplication() = default;
  // Runs on an I/O thread as soon as the headers are in: must not block. `content_length` is
  // the announced body size (validated by the parser), none for a chunked body or none at all.
  virtual Admission admit(const web::RequestHead& head, std::optional<uint64_t> content_length) = 0;
  // The answer when a body turns out longer than admit()'s limit (a chunked body, say).
  virtual web::Response too_large(const Route& route, uint64_t limit) = 0;
  // A complete request. `done` must be called once, from any thread; if it is never called (the
  // node is stopping) the connection is closed.
  virtual void handle(web::Request request, RoutePtr route, ReplyCallback done) = 0;
  // After each response: one access-log line. `route` is null for a request admit() refused.
  virtual void log(const web::RequestHead& head, const Route* route, int status, std::chrono::microseconds elapsed) = 0;
  // An error the HTTP layer answers itself (malformed requests, limits, too many connections),
  // in the application's shape.
  virtual web::Response error(unsigned status, const std::string& message, const std::string& hint) = 0;
};

struct HttpLimits {
  size_t max_request_line = 8 * 1024;                   // longer: 414
  size_t max_header_bytes = 16 * 1024;                  // request line + headers; more (or more headers): 431
  size_t max_connections = 10'000;                      // open at once; beyond: 503 and closed
  std::chrono::milliseconds header_timeout{10'000};     // from a request's first byte to its last header
  std::chrono::milliseconds body_idle_timeout{15'000};  // a body that stops arriving for this long: closed
  std::chrono::milliseconds keep_alive_timeout{5'000};  // an idle connection between requests: closed
  std::chrono::milliseconds write_timeout{30'000};      // a client that does not read its answer: closed
  // Slow bodies (issue 23): past a grace period a body must arrive at a minimum average rate, and
  // the bodies being received hold at most a node-wide budget of memory; beyond either: 408 / 503.
  std::chrono::milliseconds body_rate_grace{10'000};
  uint64_t min_body_bytes_per_second = 1024;
  uint64_t max_buffered_body_bytes = 512u << 20;
  // Open connections one client address may hold; 0: half of max_connections, at least 2048 (or
  // max_connections when that is lower). Beyond: 503 and closed, while other addresses connect.
  size_t max_connections_per_address = 0;
  // Work an application runs on the I/O thread that read its request (begin_inline_run() in
  // event_loops.hpp) gets a stand-in thread for the loop's other connections once it computes
  // this long past its first budget, waits on the network, or runs ten budgets in all; 0: the
  // application's begin_inline_run() always says no, and all its work goes elsewhere.
  std::chrono::microseconds inline_budget{1000};
};

// A port's certificate (chain) and private key, PEM files (--tls-cert, --tls-key).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

// Told what failed when handling a request threw (a bug in the node): for the log and a count.
using FailureHandler = std::function<void(const std::string& what)>;

class HttpServer {
 public:
  // `io_threads` 0: one per core, at most 4 (I/O is light; guests run elsewhere).
  explicit HttpServer(HttpLimits limits = {}, size_t io_threads = 0);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (SO_REUSEADDR, never SO_REUSEPORT: a second node on a busy port must fail).
  // Port 0 takes a free one. Returns the bound port. `app` must outlive the server. With `tls`,
  // the port speaks HTTPS only (an error names a file that cannot be used).
  Result<int> listen(const std::string& host, int port, HttpApplication& app, const TlsFiles* tls = nullptr);
  // Where failures go (before start()); by default, standard error. A request whose handling
  // throws is answered 500 and its connection closed; the node goes on.
  void on_failure(FailureHandler handler);
  // Runs the I/O threads; returns at once.
  void start();
  // Stops accepting; open connections finish the response they are writing.
  void stop_accepting();
  // SIGTERM's first step: stops accepting, and every request begun (a byte of it read) is let
  // finish: answered and written, then its connection closed (Connection: close). Idle keep-alive
  // connections stay until stop(). True once none is in progress; false at `deadline`.
  bool drain(std::chrono::steady_clock::time_point deadline);
  // Stops the event loops and joins the I/O threads: every connection is closed. False when a
  // thread was left behind, held in an inline run (a guest under its own time limit): the
  // process should end rather than wait for it.
  bool stop();

  size_t open_connections() const;
  struct InlineCounts {
    uint64_t runs = 0;       // work run on the I/O thread that read its request
    uint64_t stand_ins = 0;  // of those, runs that went past the budget: a stand-in took their loop
  };
  InlineCounts inline_counts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edge::node
