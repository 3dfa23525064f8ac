#pragma once
// The node's own lines on stdout (not a service's: those go to its log file) and the format of
// them and of the access log: text for a person at a terminal (the default), or one JSON object
// per line for a log collector (--log-format json).
#include <string>
#include <string_view>

namespace edge::node {

enum class LogFormat { Text, Json };
// Set once at start, before any thread logs.
void set_log_format(LogFormat format);
LogFormat log_format();

// "edge-node: <text>", or {"time", "level": "info", "message"}; flushed at once (an operator
// tailing the log sees background events, a compile's end say, when they happen).
void say(std::string_view text);

// Now, as 2026-11-23T23:59:01.123Z.
std::string utc_timestamp();

}  // namespace edge::node
