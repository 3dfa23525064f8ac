#include "http_server.hpp"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/core.h>

#include "edge/node/wire_text.hpp"
#include "event_loops.hpp"

namespace edge::node {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr size_t kLingerBytes = 128u << 20;  // what a refused upload may still send us

}  // namespace

struct Shared {
  HttpLimits limits;
  std::atomic<size_t> connections{0};
  // Requests begun (a byte of them read) and not yet answered and written: what a drain waits for.
  std::atomic<size_t> requests_in_progress{0};
  std::atomic<bool> draining{false};             // answers close their connection: the node is stopping
  std::atomic<uint64_t> buffered_body_bytes{0};  // of bodies being received, node-wide
  std::mutex peers_mu;
  std::unordered_map<std::string, size_t> peers;  // open connections per client address
  FailureHandler on_failure;

  size_t per_address_cap() const {
    if (limits.max_connections_per_address) return limits.max_connections_per_address;
    return std::max(limits.max_connections / 2, std::min<size_t>(limits.max_connections, 2048));
  }
  // Counts a connection from `address`; false (nothing counted) when the address holds its share.
  bool admit_peer(const std::string& address) {
    std::lock_guard lock(peers_mu);
    size_t& open = peers[address];
    if (open >= per_address_cap()) return false;
    ++open;
    return true;
  }
  void release_peer(const std::string& address) {
    std::lock_guard lock(peers_mu);
    auto it = peers.find(address);
    if (it != peers.end() && --it->second == 0) peers.erase(it);
  }
  // Takes `bytes` of the node-wide budget for bodies being received; false when it is spent.
  bool reserve_body(uint64_t bytes) {
    uint64_t held = buffered_body_bytes.load();
    do {
      if (held + bytes > limits.max_buffered_body_bytes) return false;
    } while (!buffered_body_bytes.compare_exchange_weak(held, held + bytes));
    return true;
  }
  void report(const std::string& what) const {
    if (on_failure) on_failure(what);
    else fmt::print(stderr, "edge-node: internal error: {}\n", what);
  }
};

namespace {

// What a request whose handling threw is answered: a fixed text, since the application's own
// error() may be what failed.
web::Response internal_error_response() {
  web::Response res{http::status::internal_server_error, 11};
  res.set(http::field::content_type, "application/json");
  res.body() =
      R"json({"error":{"code":500,"message":"the node failed on this request (an internal error, logged)",)json"
      R"json("hint":"retry; if it persists, report it with the node's log"}})json"
      "\n";
  return res;
}

// What makes a request's framing ambiguous, so that a proxy in front of the node could read it
// otherwise than the node does (request smuggling, RFC 9112 6.1 and 3.2).
struct FramingProblem {
  unsigned status;
  std::string message, hint;
};
std::optional<FramingProblem> framing_problem(const http::request_header<>& head) {
  const size_t codings = head.count(http::field::transfer_encoding);
  if (codings > 0) {
    std::string_view te = head[http::field::transfer_encoding];
    while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
    while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
    if (codings > 1 || head.count(http::field::content_length) > 0)
      return FramingProblem{400, "the request has Transfer-Encoding twice, or beside Content-Length",
                            "send one: Transfer-Encoding: chunked, or Content-Length"};
    if (!beast::iequals(te, "chunked"))
      return FramingProblem{501, "Transfer-Encoding '" + std::string(te.substr(0, 64)) + "' is not supported",
                            "send the body with Content-Length, or as Transfer-Encoding: chunked alone"};
  }
  if (head.version() >= 11 && head.count(http::field::host) != 1)
    return FramingProblem{400, "an HTTP/1.1 request needs exactly one Host header", "send one Host header"};
  return std::nullopt;
}

}  // namespace

// The connection whose handle() call runs on this thread now, if any: an answer given from
// inside it is written at once (Session::dispatch_request).
thread_local const void* answering_here = nullptr;

// One client connection. Requests are read one at a time and answered in order: a pipelined
// request waits in `buffer_` until the answer before it is written. All of its handlers run on
// its event loop's thread; an application's answer from another thread is posted back there.
// `Stream`: beast::tcp_stream (plain HTTP), or a TLS stream over one (--tls-cert), which skips
// the shortcuts that write to and wait on the TCP socket itself.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kPlain = std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... TlsContext>
  Session(tcp::socket socket, HttpApplication& app, std::shared_ptr<Shared> shared, std::string peer,
          TlsContext&... tls)
      : stream_(std::move(socket), tls...),
        app_(app),
        shared_(std::move(shared)),
        timer_(stream_.get_executor()),
        peer_(std::move(peer)) {}
  ~Session() {
    request_ends();
    release_body_budget();
    shared_->release_peer(peer_);
    --shared_->connections;
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kPlain) {
        self->wait_for_request();
      } else {
        // The handshake is part of the request's header time: a client that stalls in it is cut off.
        self->lowest().expires_after(self->limits().header_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec && ec.category() == net::error::get_ssl_category() && ERR_GET_REASON(ec.value()) == SSL_R_HTTP_REQUEST)
            return self->refuse_plain_http();
          if (ec) return self->close();
          self->wait_for_request();
        });
      }
    });
  }

 private:
  // Plain HTTP sent to the HTTPS port: answered in plain HTTP, so that the client says why.
  void refuse_plain_http() {
    static const std::string kAnswer = [] {
      const std::string body =
          R"({"error":{"message":"this port speaks HTTPS","hint":"use https:// in the node's address"}})";
      return fmt::format(
          "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
          "Content-Length: {}\r\n\r\n{}",
          body.size(), body);
    }();
    beast::error_code ignored;
    net::write(socket(), net::buffer(kAnswer.data(), kAnswer.size()), ignored);
    close();
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket() { return lowest().socket(); }

  // Runs one step of a request's handling. If it throws (a bug in the node, never a client's
  // due), the request is answered 500 and the connection closed, the failure is reported for the
  // log and the count, and the node goes on: no request may end the process.
  template <class Step>
  void guarded(const char* stage, Step&& step) {
    try {
      step();
    } catch (...) {
      shared_->report(fmt::format("{} {} ({}): {}", std::string(head_.method_string()),
                                  printable_prefix(head_.target(), 200), stage, current_exception_text()));
      failed_ = true;  // an answer the application still posts is dropped: this one goes instead
      try {
        refuse(internal_error_response());
      } catch (...) {
        close();
      }
    }
  }

  const HttpLimits& limits() const { return shared_->limits; }

  // Between requests the connection may idle for keep_alive_timeout; once a request's first byte
  // is in, its headers must be complete within header_timeout (a slow-loris client is cut off).
  void wait_for_request() {
    if (buffer_.size() > 0) return read_head();
    const auto idle = first_request_ ? limits().header_timeout : limits().keep_alive_timeout;
    if (kPlain && drained_now_) return wait_readable(idle);
    lowest().expires_after(idle);
    stream_.async_read_some(buffer_.prepare(kReadSize), [self = this->shared_from_this()](
                                                            beast::error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, size_t n) {
    if (ec) return close();
    buffer_.commit(n);
    // A read that filled less than it asked for emptied the socket. If this handler goes on to
    // answer the request itself, the client cannot have sent its next one yet: see wait_readable().
    drained_now_ = n < kReadSize;
    read_head();
    drained_now_ = false;
  }

  // Waits for the next request on a socket just emptied, without reading first. Asio 1.74 tries
  // every read at once unless it knows the socket empty, which it learns only from a read of 0
  // bytes: so each keep-alive request cost a failed recvmsg (EAGAIN) before the wait, 7% of a
  // /healthz request (issue 28). The wait is safe whenever the bytes come: Asio re-arms the
  // socket with the kernel (EPOLL_CTL_MOD) as it queues it, which reports bytes already there.
  void wait_readable(std::chrono::milliseconds idle) {
    timer_.expires_after(idle);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->close();  // idle too long; cancelled (ec set) when the request came
    });
    socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
      self->timer_.cancel();
      if (ec) return self->close();
      beast::error_code read_ec;
      const size_t n = self->socket().read_some(self->buffer_.prepare(kReadSize), read_ec);
      if (read_ec == net::error::would_block || read_ec == net::error::try_again) {
        self->drained_now_ = false;  // woken without data: read the usual way
        return self->wait_for_request();
      }
      self->on_read(read_ec, n);
    });
  }

  // A request is in progress from its first byte until its answer is written (or the connection
  // closes): SIGTERM's drain waits for none to be (HttpServer::drain).
  void request_begins() {
    if (std::exchange(in_progress_, true)) return;
    ++shared_->requests_in_progress;
  }
  void request_ends() {
    if (!std::exchange(in_progress_, false)) return;
    --shared_->requests_in_progress;
  }

  void read_head() {
    request_begins();
    first_request_ = false;
    head_parser_.emplace();
    head_parser_->header_limit(static_cast<uint32_t>(limits().max_header_bytes));
    // The body's limit depends on the route: admit() sets it once the headers are in. (Beast
    // would otherwise judge the announced length against its own 1 MB default, with a 400.)
    head_parser_->body_limit(std::numeric_limits<uint64_t>::max());
    head_parser_->eager(false);
    started_ = Clock::now();
    // Headers already read whole (the usual case: a request arrives in one segment) are parsed
    // here and now; the asynchronous read would finish at once too, but by a trip through the
    // loop's queue (issue 28: each such trip also polls the kernel).
    if (buffer_.size() > 0) {
      beast::error_code ec;
      buffer_.consume(head_parser_->put(buffer_.data(), ec));
      if (ec != http::error::need_more) return on_head(ec);
    }
    lowest().expires_after(limits().header_timeout);
    http::async_read_header(stream_, buffer_, *head_parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_head(ec); });
  }

  void on_head(beast::error_code ec) {
    guarded("reading its headers", [&] { admit_head(ec); });
  }

  void admit_head(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof)
      return close();
    auto line_too_long = [this] {
      return app_.error(414, "the request line is longer than " + std::to_string(limits().max_request_line) + " bytes",
                        "send a shorter URL; put data in the body");
    };
    if (ec == http::error::header_limit) {
      // No end of line in what was read: the request line itself is the long part.
      const bool line = beast::buffers_to_string(buffer_.data()).find("\r\n") == std::string::npos;
      return refuse(line ? line_too_long()
                         : app_.error(431,
                                      "the request headers are larger than " +
                                          std::to_string(limits().max_header_bytes) + " bytes",
                                      "send fewer or smaller headers"));
    }
    if (ec) return refuse(app_.error(400, "malformed HTTP request: " + ec.message(), "send HTTP/1.1"));

    auto& head = head_parser_->get();
    if (head.target().size() > limits().max_request_line) return refuse(line_too_long());
    head_ = {};  // what the answer, the access log and a failure report need of the request
    head_.method_string(head.method_string());
    head_.target(head.target());
    if (auto bad = framing_problem(head)) {
      app_.log(head, nullptr, int(bad->status), elapsed());
      return refuse(app_.error(bad->status, bad->message, bad->hint));
    }
    keep_alive_ = head.keep_alive();
    const auto announced = head_parser_->content_length();
    Admission admission = app_.admit(head, announced ? std::optional<uint64_t>(*announced) : std::nullopt);
    if (admission.refusal) {
      app_.log(head, admission.route.get(), admission.refusal->result_int(), elapsed());
      return refuse(std::move(*admission.refusal));
    }
    route_ = std::move(admission.route);
    body_parser_.emplace(std::move(*head_parser_));
    head_parser_.reset();
    body_parser_->body_limit(admission.body_limit);
    body_limit_ = admission.body_limit;
    if (body_parser_->is_done()) return dispatch_request();  // no body: complete at the end of the headers
    // The body is held in memory while it arrives: an announced one takes its size from the
    // node-wide budget now, a chunked one as it comes (on_body).
    if (announced && !take_body_budget(*announced)) return refuse(body_budget_spent());
    body_started_ = Clock::now();
    body_bytes_ = 0;

    // The client waits for our word before sending its body.
    const auto& h = body_parser_->get();
    if (beast::iequals(h[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, h.version());
      lowest().expires_after(limits().write_timeout);
      return http::async_write(stream_, *continue_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->close();
        self->read_body();
      });
    }
    read_body();
  }

  // The body is read in pieces so that a client still sending is never cut off, and one that
  // stops is, after body_idle_timeout.
  void read_body() {
    lowest().expires_after(limits().body_idle_timeout);
    http::async_read_some(stream_, buffer_, *body_parser_,
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            self->guarded("reading its body", [&] { self->on_body(ec, n); });
                          });
  }

  void on_body(beast::error_code ec, size_t n) {
    body_bytes_ += n;
    if (!ec && !body_parser_->content_length() && !take_body_budget(n)) return refuse(body_budget_spent());
    // A body that trickles in (a byte every few seconds, just inside body_idle_timeout) would hold
    // its connection slot and its buffer forever: past the grace period it must keep a minimum
    // average rate.
    const auto late = Clock::now() - body_started_ - limits().body_rate_grace;
    if (!ec && late > Clock::duration::zero() &&
        double(body_bytes_) < double(limits().min_body_bytes_per_second) * std::chrono::duration<double>(late).count())
      return refuse(app_.error(
          408,
          fmt::format("the request body arrives slower than {} bytes a second", limits().min_body_bytes_per_second),
          "send the body at once, or over a faster link"));
    if (ec == http::error::body_limit) return refuse(app_.too_large(*route_, body_limit_));
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset)
      return close();
    if (ec)
      return refuse(app_.error(400, "malformed HTTP request body: " + ec.message(),
                               "send the body as Content-Length bytes or valid chunks"));
    if (body_parser_->is_done()) return dispatch_request();
    read_body();
  }

  void dispatch_request() {
    release_body_budget();  // received: what the budget guards against is bodies still arriving
    web::Request request = body_parser_->release();
    body_parser_.reset();
    // What the answer and the log line need of the request, not its fields.
    head_.version(request.version());  // method and target: set with the headers (admit_head)
    // No read is pending while the application works: nothing times out under a long request.
    lowest().expires_never();
    std::optional<Reply> at_once;  // an answer given before handle() returns, on this thread
    guarded("handling it", [&] {
      answering_here = this;
      app_.handle(std::move(request), route_, [self = this->shared_from_this(), &at_once](Reply reply) {
        // Answered on this thread, inside handle() (the node's own routes, a guest run inline):
        // written below, without a trip through the loop's queue. From any other thread (a
        // worker), `at_once` may be gone: the answer is posted to this connection's loop.
        if (answering_here == self.get()) return void(at_once.emplace(std::move(reply)));
        net::post(self->stream_.get_executor(), [self, reply = std::move(reply)]() mutable {
          if (self->failed_) return;  // answered 500 already
          self->guarded("writing its answer", [&] { self->respond(std::move(reply)); });
        });
      });
    });
    answering_here = nullptr;
    if (at_once && !failed_) guarded("writing its answer", [&] { respond(std::move(*at_once)); });
  }

  void respond(Reply reply) {
    web::Response& res = reply.response;
    res.version(head_.version());
    if (!keep_alive_ || shared_->draining) res.keep_alive(false);
    keep_alive_ = res.keep_alive();
    app_.log(head_, route_.get(), res.result_int(), elapsed());
    route_.reset();
    if (reply.stream) return start_stream(std::move(reply));
    if (head_.method() == http::verb::head) {
      // The same headers as GET, Content-Length included, and no body.
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    } else {
      // HTTP forbids a body on 1xx, 204 and 304 (and Beast throws on one): a guest's is dropped,
      // and no Content-Length is sent (RFC 9110 8.6: a 204 must not have one).
      const unsigned status = res.result_int();
      if (status / 100 == 1 || status == 204 || status == 304) {
        res.body().clear();
        res.erase(http::field::content_length);
        res.erase(http::field::transfer_encoding);
      } else {
        res.prepare_payload();
      }
    }
    response_.emplace(std::move(res));
    serializer_.emplace(*response_);
    // Written at once while the socket takes it (the usual case: an answer of a few KiB), which
    // costs one system call and no trip through the loop's queue; what it does not take is
    // written asynchronously, under the write timeout.
    beast::error_code ec = net::error::would_block;
    if constexpr (kPlain) http::write(socket(), *serializer_, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      lowest().expires_after(limits().write_timeout);
      return http::async_write(stream_, *serializer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        self->written(ec, true);
      });
    }
    written(ec, false);
  }

  void written(beast::error_code ec, bool asynchronously) {
    serializer_.reset();
    response_.reset();
    if (ec || !keep_alive_) return close();
    request_ends();
    // A pipelined request already in the buffer is taken from the loop's queue, not by recursion
    // here: a long pipeline must not deepen the stack a guest run inline shares.
    if (buffer_.size() > 0 && !asynchronously)
      return net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->wait_for_request(); });
    wait_for_request();
  }

  // A refused request: its answer, then the connection is closed. The unread body is drained for
  // a while first, so that a client still sending sees our answer rather than a reset.
  void refuse(web::Response res) {
    res.keep_alive(false);
    res.prepare_payload();
    response_.emplace(std::move(res));
    head_parser_.reset();
    body_parser_.reset();
    lowest().expires_after(limits().write_timeout);
    http::async_write(stream_, *response_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->response_.reset();
      if (ec) return self->close();
      beast::error_code ignored;
      self->socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->linger_until_ = Clock::now() + kLingerTime;
      self->drain();
    });
  }

  void drain() {
    if (Clock::now() >= linger_until_ || drained_ > kLingerBytes) return close();
    lowest().expires_at(linger_until_);
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->drained_ += n;
                              self->buffer_.commit(n);
                              self->drain();
                            });
  }

  // ---- streamed bodies (log follow) ----
  void start_stream(Reply reply) {
    stream_source_ = std::move(reply.stream);
    stream_head_.emplace(reply.response.result(), head_.version());
    for (const auto& field : reply.response) stream_head_->set(field.name_string(), field.value());
    stream_head_->chunked(true);
    stream_head_->keep_alive(false);
    stream_serializer_.emplace(*stream_head_);
    lowest().expires_after(limits().write_timeout);
    http::async_write_header(stream_, *stream_serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               if (ec) return self->close();
                               self->watch_for_close();
                               self->stream_next();
                             });
  }

  // A follower that goes away is noticed at once, not at the next write (a quiet log may not
  // have one for hours). It has nothing more to send us: anything it does send ends the stream.
  void watch_for_close() {
    socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this()](beast::error_code) {
      self->stream_source_.reset();
      self->close();
    });
  }

  void stream_next() {
    if (!stream_source_) return;  // closed meanwhile
    // Between chunks nothing is pending on the socket: no write timeout may run out meanwhile.
    lowest().expires_never();
    std::optional<std::string> bytes = stream_source_->poll();
    if (!bytes) {
      return net::async_write(stream_, http::make_chunk_last(),
                              [self = this->shared_from_this()](beast::error_code, size_t) { self->close(); });
    }
    if (bytes->empty()) {
      timer_.expires_after(std::chrono::milliseconds(200));
      return timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->stream_next();
      });
    }
    chunk_ = std::move(*bytes);
    lowest().expires_after(limits().write_timeout);
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->close();
                       self->stream_next();
                     });
  }

  void close() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    timer_.cancel();
    request_ends();
  }

  bool take_body_budget(uint64_t bytes) {
    if (!shared_->reserve_body(bytes)) return false;
    body_reserved_ += bytes;
    return true;
  }
  void release_body_budget() {
    shared_->buffered_body_bytes -= body_reserved_;
    body_reserved_ = 0;
  }
  web::Response body_budget_spent() {
    auto res = app_.error(503, "the node holds as many request bodies as it may while they arrive",
                          "retry shortly; send bodies at once rather than slowly");
    res.set(http::field::retry_after, "1");
    return res;
  }

  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
  }

  Stream stream_;
  HttpApplication& app_;
  std::shared_ptr<Shared> shared_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_{64 * 1024};  // a cap: the parser cannot make it grow past this
  std::optional<http::request_parser<http::empty_body>> head_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  web::RequestHead head_;
  uint64_t body_limit_ = 0;
  bool keep_alive_ = true;
  bool first_request_ = true;
  bool failed_ = false;       // a step of the request threw; it was answered 500 and the connection closes
  bool in_progress_ = false;  // counted in Shared::requests_in_progress
  bool drained_now_ = false;  // in the handler whose read emptied the socket (on_read)
  static constexpr size_t kReadSize = 4096;
  const std::string peer_;          // the client's address (its share of the connections)
  Clock::time_point body_started_;  // when the current request's body began to be read
  uint64_t body_bytes_ = 0;         // of it, read so far
  uint64_t body_reserved_ = 0;      // of the node-wide body budget, held by this connection
  Clock::time_point started_ = Clock::now();
  Clock::time_point linger_until_;
  size_t drained_ = 0;
  RoutePtr route_;                                                          // of the request being answered
  std::optional<web::Response> response_;                                   // being written
  std::optional<http::response_serializer<http::string_body>> serializer_;  // of response_
  std::optional<http::response<http::empty_body>> continue_;
  std::shared_ptr<BodyStream> stream_source_;
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::string chunk_;  // being written
};

// Accepts connections on one endpoint for one application, and hands each to the next event
// loop in turn.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `tls`: the port speaks HTTPS with it (it outlives the listener); null: plain HTTP.
  Listener(EventLoops& loops, HttpApplication& app, std::shared_ptr<Shared> shared, net::ssl::context* tls)
      : loops_(loops),
        acceptor_(loops.context(0)),
        app_(app),
        shared_(std::move(shared)),
        busy_(busy_text(app)),
        tls_(tls) {}

  Result<int> open(const std::string& host, int port) {
    beast::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec)
      return make_error("--host " + host + " is not an IP address", "give an address such as 127.0.0.1 or 0.0.0.0");
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    // Asio does not open sockets close-on-exec: a compiler or tool the node starts must not
    // inherit the port (it would keep it busy after the node is gone).
    if (!ec) ::fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return make_error(fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()),
                        ec == net::error::address_in_use
                            ? "is another edge-node running? stop it or choose another --port"
                            : "choose another --host or --port");
    return static_cast<int>(acceptor_.local_endpoint().port());
  }

  void accept() {
    net::io_context& loop = loops_.context(next_++ % loops_.size());
    acceptor_.async_accept(loop, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) self->on_accept(std::move(socket));
      else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
        // Out of file descriptors: wait a moment rather than spin on the same error.
        auto timer = std::make_shared<net::steady_timer>(self->acceptor_.get_executor(), std::chrono::milliseconds(50));
        return timer->async_wait([self, timer](beast::error_code) { self->accept(); });
      }
      self->accept();
    });
  }

  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  // Written by the acceptor itself when the node holds max_connections already: serialised once.
  static std::string busy_text(HttpApplication& app) {
    web::Response res =
        app.error(503, "the node has too many open connections", "retry shortly; close idle keep-alive connections");
    res.set(http::field::retry_after, "1");
    res.keep_alive(false);
    res.prepare_payload();
    std::ostringstream text;
    text << res;
    return text.str();
  }

  void on_accept(tcp::socket socket) {
    beast::error_code ignored;
    ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    // Without TCP_NODELAY small responses wait for the client's delayed ACK (~40 ms each).
    socket.set_option(tcp::no_delay(true), ignored);
    // Answers are first written without waiting (Session::respond): a socket whose buffer is
    // full must say so rather than block the loop. Asio's own asynchronous operations are not
    // affected by this flag.
    beast::error_code nb_ec;
    socket.non_blocking(true, nb_ec);
    if (nb_ec) return;  // closed with `socket`: a blocking write could hold the loop
    if (shared_->connections.load() >= shared_->limits.max_connections) {
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      return net::async_write(*s, net::buffer(busy_), [s](beast::error_code, size_t) {
        beast::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      });
    }
    // One address may hold its share of the connections, not all of them (10,050 trickling
    // connections from one client took every slot).
    beast::error_code peer_ec;
    std::string peer = socket.remote_endpoint(peer_ec).address().to_string();
    if (peer_ec || !shared_->admit_peer(peer)) {
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      return net::async_write(*s, net::buffer(busy_), [s](beast::error_code, size_t) {
        beast::error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      });
    }
    ++shared_->connections;
    if (tls_)
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), app_, shared_, std::move(peer),
                                                                      *tls_)
          ->run();
    else std::make_shared<Session<beast::tcp_stream>>(std::move(socket), app_, shared_, std::move(peer))->run();
  }

  EventLoops& loops_;
  size_t next_ = 0;
  tcp::acceptor acceptor_;
  HttpApplication& app_;
  std::shared_ptr<Shared> shared_;
  const std::string busy_;
  net::ssl::context* tls_;
};

namespace {

// The server side of TLS from PEM files: TLS 1.2 and later, the key checked against the certificate.
Result<std::unique_ptr<net::ssl::context>> tls_context(const TlsFiles& files) {
  auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                   net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  const std::string fix = "give PEM files; `edge-node cert` makes a certificate and key for this device";
  beast::error_code ec;
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec)
    return make_error(fmt::format("cannot use {} as the TLS certificate: {}", files.cert_file, ec.message()), fix);
  ctx->use_private_key_file(files.key_file, net::ssl::context::pem, ec);
  if (ec) return make_error(fmt::format("cannot use {} as the TLS key: {}", files.key_file, ec.message()), fix);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return make_error(fmt::format("the key {} does not belong to the certificate {}", files.key_file, files.cert_file),
                      fix);
  return ctx;
}

}  // namespace

// One event loop per I/O thread, each with the connections it was handed: a connection's
// handlers always run on its loop's one thread (or its stand-in, never both at once: see
// event_loops.hpp), so they need no strand and no lock, and a request's way from its read to its
// write stays on one core.
struct HttpServer::Impl {
  Impl(HttpLimits limits, size_t threads)
      : shared(std::make_shared<Shared>()),
        loops(threads, limits.inline_budget, [shared = shared](const std::string& what) { shared->report(what); }) {
    shared->limits = limits;
  }
  std::shared_ptr<Shared> shared;
  EventLoops loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::unique_ptr<net::ssl::context>> tls_contexts;  // the listeners' (they hold pointers)
  bool stopped = false;
};

HttpServer::HttpServer(HttpLimits limits, size_t io_threads) {
  if (io_threads == 0) io_threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  impl_ = std::make_unique<Impl>(limits, io_threads);
}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::listen(const std::string& host, int port, HttpApplication& app, const TlsFiles* tls) {
  net::ssl::context* context = nullptr;
  if (tls) {
    auto made = tls_context(*tls);
    if (!made) return made.error();
    context = impl_->tls_contexts.emplace_back(std::move(*made)).get();
  }
  auto listener = std::make_shared<Listener>(impl_->loops, app, impl_->shared, context);
  auto bound = listener->open(host, port);
  if (!bound) return bound;
  listener->accept();
  impl_->listeners.push_back(std::move(listener));
  return bound;
}

void HttpServer::start() {
  for (size_t i = 0; i < impl_->loops.size(); ++i) impl_->work.push_back(net::make_work_guard(impl_->loops.context(i)));
  impl_->loops.start();
}

void HttpServer::on_failure(FailureHandler handler) { impl_->shared->on_failure = std::move(handler); }

void HttpServer::stop_accepting() {
  for (auto& l : impl_->listeners) l->close();
}

bool HttpServer::drain(std::chrono::steady_clock::time_point deadline) {
  stop_accepting();
  impl_->shared->draining = true;
  while (impl_->shared->requests_in_progress.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool HttpServer::stop() {
  if (!impl_ || impl_->stopped) return true;
  impl_->stopped = true;
  stop_accepting();
  impl_->work.clear();
  return impl_->loops.stop();
}

size_t HttpServer::open_connections() const { return impl_->shared->connections.load(); }

HttpServer::InlineCounts HttpServer::inline_counts() const {
  return {impl_->loops.inline_runs(), impl_->loops.stand_ins()};
}

}  // namespace edge::node
