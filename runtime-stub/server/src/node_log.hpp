#pragma once
// The node's own lines on stdout (not a service's: those go to its log file) and the format of
// them and of the access log: text for a person at a terminal (the default), or one JSON object
// per line for a log collector (--log-format json).
#include <filesystem>
#include <string>
#include <string_view>

#include "edge/core/result.hpp"

namespace edge::node {

enum class LogFormat { Text, Json };
// Set once at start, before any thread logs.
void set_log_format(LogFormat format);
LogFormat log_format();

// "edge-node: <text>", or {"time", "level": "info", "message"}; flushed at once (an operator
// tailing the log sees background events, a compile's end say, when they happen).
void say(std::string_view text);

// --log-file: the node's stdout (its own lines and the access log) appended to `file` from now on,
// which is opened again by name at every call: SIGHUP calls it after logrotate moved the file
// away. A line is never split between the two (stdout's lock is held across the switch); errors
// stay on stderr, where a service manager's journal has them.
Status log_to_file(const std::filesystem::path& file);

// Now, as 2026-11-23T23:59:01.123Z.
std::string utc_timestamp();

}  // namespace edge::node
