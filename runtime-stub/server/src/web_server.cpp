#include "web_server.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include <fmt/core.h>

namespace edge::node {

void set_json(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body.dump() + "\n", "application/json");
}

std::string printable(std::string_view text) {
  std::string out(text.substr(0, 2048));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

namespace {

// Free execution slots (set_execution_slots): taken for the time a request runs its module.
struct ExecutionSlots {
  std::mutex mu;
  std::condition_variable freed;
  size_t free = 16;
};
ExecutionSlots& execution_slots() {
  static ExecutionSlots slots;
  return slots;
}

class ExecutionSlot {
 public:
  ExecutionSlot() {
    auto& s = execution_slots();
    std::unique_lock lock(s.mu);
    s.freed.wait(lock, [&] { return s.free > 0; });
    --s.free;
  }
  ~ExecutionSlot() {
    auto& s = execution_slots();
    {
      std::lock_guard lock(s.mu);
      ++s.free;
    }
    s.freed.notify_one();
  }
  ExecutionSlot(const ExecutionSlot&) = delete;
  ExecutionSlot& operator=(const ExecutionSlot&) = delete;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

HttpRequest to_guest_request(const httplib::Request& req, const RunningService& service, const std::string& rest) {
  HttpRequest out;
  out.method = req.method;
  // The raw target keeps the query and the client's own encoding; fall back to the decoded
  // path when a client encoded the base path itself.
  if (req.target.compare(0, service.base_path.size(), service.base_path) == 0) {
    out.url = req.target.substr(service.base_path.size());
  } else {
    out.url = rest;
    if (auto q = req.target.find('?'); q != std::string::npos) out.url += req.target.substr(q);
  }
  if (out.url.empty() || out.url[0] != '/') out.url = "/" + out.url;
  for (const auto& [name, value] : req.headers) {
    auto key = lower(name);
    if (key == "remote_addr" || key == "remote_port" || key == "local_addr" || key == "local_port") continue;
    auto [it, inserted] = out.headers.emplace(key, value);
    if (!inserted) it->second += ", " + value;
  }
  out.body = req.body;
  return out;
}

// Headers httplib computes itself: a guest must not be able to desynchronise the framing.
bool framing_header(const std::string& lower_name) {
  static const std::set<std::string> names = {"content-length", "transfer-encoding", "connection", "keep-alive",
                                              "upgrade"};
  return names.contains(lower_name);
}

std::string default_content_type(const std::string& body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (body[first] == '{' || body[first] == '[')) return "application/json";
  return "text/plain; charset=utf-8";
}

}  // namespace

void set_execution_slots(size_t slots) {
  auto& s = execution_slots();
  std::lock_guard lock(s.mu);
  s.free = std::max<size_t>(1, slots);
}

bool serve_service_request(Node& node, const httplib::Request& req, httplib::Response& res) {
  std::string rest;
  auto service = node.services().match(req.path, &rest);
  if (!service) return false;
  const auto started = std::chrono::steady_clock::now();
  auto stats = node.services().stats(service->record.name);

  if (req.body.size() > service->context.limits.max_request_body_bytes) {
    set_json(res, error_reply(413,
                              fmt::format("request body of {} bytes is over this service's limit of {} bytes",
                                          req.body.size(), service->context.limits.max_request_body_bytes),
                              "send less, or raise the limit with the container env EDGE_MAX_BODY_BYTES"));
  } else {
    Outcome outcome;
    {
      ExecutionSlot slot;
      outcome = service->module->handle(service->context, to_guest_request(req, *service, rest));
    }
    if (outcome.response) {
      const HttpResponse& r = *outcome.response;
      res.status = r.status;
      std::string content_type;
      for (const auto& [name, value] : r.headers) {
        auto key = lower(name);
        if (key == "content-type") content_type = value;
        else if (!framing_header(key)) res.set_header(name, value);
      }
      res.set_content(r.body, content_type.empty() ? default_content_type(r.body) : content_type);
    } else {
      ExecFailure failure = outcome.failure.value_or(ExecFailure{ExecFailure::Kind::Internal, "the engine gave no outcome"});
      service->log->node(fmt::format("{} {} failed: {}", printable(req.method), printable(req.path), failure.message));
      for (size_t i = 0; i < failure.backtrace.size(); ++i)  // the reply stays short; the log has the trace
        service->log->node("  " + describe(failure.backtrace[i], i));
      set_json(res, error_reply(failure.http_status(), service->record.name + ": " + failure.message,
                                "see the service log: edge logs " + service->record.name));
    }
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  stats->record(ms, res.status);
  return true;
}

}  // namespace edge::node
