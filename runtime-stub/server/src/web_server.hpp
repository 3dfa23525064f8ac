#pragma once
// The Universal Web Server: a request under a service's base path runs that service's module
// (a fresh instance per request) and its response.send becomes the HTTP response.
#include <httplib.h>

#include "node.hpp"

namespace edge::node {

// Answers `req` if its path belongs to a deployed service; false when no service matches.
bool serve_service_request(Node& node, const httplib::Request& req, httplib::Response& res);

void set_json(httplib::Response& res, const ApiReply& reply);

// How many requests may run Wasm at the same time (CPU and memory); the others wait their turn.
// Connections have a thread each, so this is the bound on execution. Set once before serving.
void set_execution_slots(size_t slots);

// `text` fit for one log line: control characters (a decoded %0a in a path) become '?', so a
// client cannot forge log lines.
std::string printable(std::string_view text);

}  // namespace edge::node
