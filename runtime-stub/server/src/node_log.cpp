#include "node_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "edge/core/json_text.hpp"

namespace edge::node {

namespace {
LogFormat g_format = LogFormat::Text;
}

void set_log_format(LogFormat format) { g_format = format; }
LogFormat log_format() { return g_format; }

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", tm, static_cast<int>(ms));
}

void say(std::string_view text) {
  if (g_format == LogFormat::Json) {
    const nlohmann::json line = {{"time", utc_timestamp()}, {"level", "info"}, {"message", text}};
    fmt::print("{}\n", edge::json_text(line));
  } else {
    fmt::print("edge-node: {}\n", text);
  }
  std::fflush(stdout);
}

}  // namespace edge::node
