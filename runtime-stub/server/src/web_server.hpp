#pragma once
// The Universal Web Server: a request under a service's base path runs that service's module
// (a fresh instance per request) and its response.send becomes the HTTP response.
#include <string>
#include <string_view>

#include "http_server.hpp"
#include "node.hpp"

namespace edge::node {

// Runs `request` on `service` (found by ServiceTable::match for the decoded `path`; `rest` is
// what follows its base path). Blocks for as long as the guest runs: call it off the I/O threads.
web::Response serve_service_request(const RunningService& service, ServiceStats& stats, const web::Request& request,
                                    const std::string& rest);

// An mCM-style JSON reply as an HTTP response.
web::Response json_response(const ApiReply& reply);

// `text` fit for one log line: control characters (a decoded %0a in a path) become '?', so a
// client cannot forge log lines.
std::string printable(std::string_view text);

}  // namespace edge::node
