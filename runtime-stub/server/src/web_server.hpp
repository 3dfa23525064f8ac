#pragma once
// The Universal Web Server: a request under a service's base path runs that service's module
// (a fresh instance per request) and its response.send becomes the HTTP response.
#include <string>
#include <string_view>

#include "event_loops.hpp"
#include "http_server.hpp"
#include "node.hpp"

namespace edge::node {

// Runs `request` on `service` (found by ServiceTable::match for the decoded `path`; `rest` is
// what follows its base path). Blocks for as long as the guest runs: on an I/O thread only inside
// an `inline_run` (null elsewhere), which is told if the guest waits on the network.
// `trace`: the request's span (the guest gets it as its traceparent), or null (--telemetry off).
web::Response serve_service_request(const RunningService& service, ServiceStats& stats, const web::Request& request,
                                    const std::string& rest, const TraceContext* trace,
                                    InlineRun* inline_run = nullptr);

// JSON as an HTTP response with `status`.
web::Response json_response(unsigned status, const nlohmann::json& body);
// The node's error shape, {"error": {"code": status, "message", "hint"?}}.
web::Response error_response(unsigned status, const std::string& message, const std::string& hint = {});
// An mCM operation's answer: 200 with its JSON, or its error with the status of its kind.
web::Response json_response(const Result<nlohmann::json>& reply);

// `text` fit for one log line: control characters (a decoded %0a in a path) become '?', so a
// client cannot forge log lines.
std::string printable(std::string_view text);

}  // namespace edge::node
