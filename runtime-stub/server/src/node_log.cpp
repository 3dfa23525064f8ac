#include "node_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
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

Status log_to_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return make_error(fmt::format("cannot open the log file {}: {}", file.string(), std::strerror(errno)),
                      "give --log-file a path in a folder the node may write to");
  flockfile(stdout);
  std::fflush(stdout);
  const bool moved = ::dup2(fd, STDOUT_FILENO) == STDOUT_FILENO;
  const int dup_errno = errno;
  funlockfile(stdout);
  ::close(fd);
  if (!moved) return make_error(fmt::format("cannot write the log to {}: {}", file.string(), std::strerror(dup_errno)));
  return ok();
}

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
