#include "web_server.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include "edge/core/http_status.hpp"
#include "edge/node/wire_text.hpp"
#include "edge/utf8.hpp"
#include "edge/core/json_text.hpp"

namespace edge::node {

namespace http = web::http;

web::Response json_response(unsigned status, const nlohmann::json& body) {
  web::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = edge::json_text(body) + "\n";
  return res;
}

web::Response error_response(unsigned status, const std::string& message, const std::string& hint) {
  nlohmann::json err = {{"code", status}, {"message", message}};
  if (!hint.empty()) err["hint"] = hint;
  return json_response(status, {{"error", err}});
}

web::Response json_response(const Result<nlohmann::json>& reply) {
  if (reply) return json_response(200, *reply);
  const Error& e = reply.error();
  const unsigned status = unsigned(http_status_of(e.kind));
  nlohmann::json err = {{"code", status}, {"message", e.message}};
  if (!e.hint.empty()) err["hint"] = e.hint;
  if (!e.details.empty()) err["problems"] = e.details;
  return json_response(status, {{"error", err}});
}

std::string printable(std::string_view text) {
  std::string out = utf8::valid(utf8::prefix(text, 2048));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

HttpRequest to_guest_request(const web::Request& req, const RunningService& service, const std::string& rest,
                             const TraceContext* trace) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  // The raw target keeps the query and the client's own encoding; fall back to the decoded
  // path when a client encoded the base path itself.
  const std::string_view target = req.target();
  if (target.substr(0, service.base_path.size()) == service.base_path) {
    out.url = std::string(target.substr(service.base_path.size()));
  } else {
    out.url = rest;
    if (auto q = target.find('?'); q != std::string_view::npos) out.url += target.substr(q);
  }
  if (out.url.empty() || out.url[0] != '/') out.url = "/" + out.url;
  for (const auto& field : req) {
    auto [it, inserted] = out.headers.emplace(lower(field.name_string()), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  // The guest sees the node's span as its caller: what it passes on (or what the node sends with
  // its fetches) continues this trace.
  if (trace) {
    out.headers["traceparent"] = trace->traceparent();
    if (trace->tracestate().empty()) out.headers.erase("tracestate");
    else out.headers["tracestate"] = trace->tracestate();
  }
  out.body = req.body();
  return out;
}

// Headers the HTTP layer computes itself: a guest must not be able to desynchronise the framing.
bool framing_header(const std::string& lower_name) {
  return lower_name == "content-length" || lower_name == "transfer-encoding" || lower_name == "connection" ||
         lower_name == "keep-alive" || lower_name == "upgrade";
}

// Why a guest's answer cannot go on the wire as it is, or none: a header that would split the
// response, too many headers, or an interim status (1xx) given as the final answer.
std::optional<std::string> unsendable(const HttpResponse& r) {
  if (r.status >= 100 && r.status < 200) return fmt::format("status {} is an interim status, not an answer", r.status);
  if (r.headers.size() > kMaxGuestResponseHeaders)
    return fmt::format("{} headers, over the limit of {}", r.headers.size(), kMaxGuestResponseHeaders);
  for (const auto& [name, value] : r.headers)
    if (auto problem = header_problem(name, value)) return problem;
  return std::nullopt;
}

// Notes whether the guest run of its scope waits on the network (an outbound fetch) and tells the
// inline run, if any, at once; passes the news on to the thread's own observer (the pool's).
class WaitWatch final : public BlockingObserver {
 public:
  explicit WaitWatch(InlineRun* inline_run) : inline_run_(inline_run), outer_(thread_blocking_observer()) {
    set_thread_blocking_observer(this);
  }
  ~WaitWatch() override { set_thread_blocking_observer(outer_); }
  WaitWatch(const WaitWatch&) = delete;
  WaitWatch& operator=(const WaitWatch&) = delete;
  bool waited() const { return waited_; }

 private:
  void blocking_begins() override {
    waited_ = true;
    if (inline_run_) inline_run_->waits();
    if (outer_) outer_->blocking_begins();
  }
  void blocking_ends() override {
    if (outer_) outer_->blocking_ends();
  }
  InlineRun* inline_run_;
  BlockingObserver* outer_;
  bool waited_ = false;
};

std::string default_content_type(const std::string& body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (body[first] == '{' || body[first] == '[')) return "application/json";
  return "text/plain; charset=utf-8";
}

}  // namespace

web::Response serve_service_request(const RunningService& service, ServiceStats& stats, const web::Request& request,
                                    const std::string& rest, const TraceContext* trace, InlineRun* inline_run) {
  const auto started = std::chrono::steady_clock::now();
  const std::string_view trace_id = trace ? trace->trace_id() : std::string_view();
  if (service.metrics) service.metrics->run_begins();
  Outcome outcome = [&] {
    WaitWatch wait_watch(inline_run);
    HttpRequest guest_request = to_guest_request(request, service, rest, trace);
    const auto run_started = std::chrono::steady_clock::now();
    Outcome ran = service.module->handle(service.context, guest_request);
    service.runs.record(std::chrono::steady_clock::now() - run_started, wait_watch.waited());
    return ran;
  }();
  if (service.metrics) service.metrics->run_ends(outcome);
  web::Response res;
  HttpResponse* response = outcome.response();
  if (response) {
    if (auto problem = unsendable(*response)) {
      // The guest's answer is not sent: a part of it would have split the response (issue 23).
      service.log->node(fmt::format("{} {} answered what HTTP cannot carry: {}", printable(request.method_string()),
                                    printable(request.target()), *problem),
                        trace_id);
      res = error_response(502, service.record.name + " answered what HTTP cannot carry: " + *problem,
                           "fix the service's response (see edge logs " + service.record.name + ")");
      response = nullptr;
    }
  }
  if (response) {
    HttpResponse& r = *response;
    res.result(static_cast<unsigned>(r.status));
    bool content_type = false;
    for (const auto& [name, value] : r.headers) {
      auto key = lower(name);
      if (key == "content-type") content_type = true;
      if (!framing_header(key)) res.insert(name, value);
    }
    if (!content_type) res.set(http::field::content_type, default_content_type(r.body));
    res.body() = std::move(r.body);
  } else if (!outcome.response()) {
    const ExecFailure& failure = *outcome.failure();
    service.log->node(fmt::format("{} {} failed: {}", printable(request.method_string()), printable(request.target()),
                                  failure.message),
                      trace_id);
    service.log->backtrace(failure.backtrace);
    res = error_response(unsigned(failure.http_status()), service.record.name + ": " + failure.message,
                         "see the service log: edge logs " + service.record.name);
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  stats.record(ms, res.result_int());
  return res;
}

}  // namespace edge::node
