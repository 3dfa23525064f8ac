#pragma once
// A service's log as a file in <data-dir>/logs/<container-id>.log: what the guest writes to
// stdout/stderr and what the node says about it (traps, timeouts, deploys). One line each:
//   2026-11-23T23:59:01.123Z stdout hello from the guest
//   2026-11-23T23:59:01.125Z stdout trace=4bf92f3577b34da6a3ce929d0e0e4736 hello from a request
// Rotated at kMaxBytes to <id>.log.1, so a chatty service cannot fill the disk.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edge/node/engine.hpp"

namespace edge::node {

class FileServiceLog final : public ServiceLog {
 public:
  static constexpr uint64_t kMaxBytes = 4u << 20;
  explicit FileServiceLog(std::filesystem::path file) : file_(std::move(file)) {}
  using ServiceLog::write;
  void write(Stream stream, std::string_view text, std::string_view trace_id) override;
  void node(std::string_view text, std::string_view trace_id = {}) { write(Stream::Node, text, trace_id); }
  // A trap's guest frames, innermost first, a line each (replies stay short; the log has them).
  void backtrace(const std::vector<TraceFrame>& frames) {
    for (size_t i = 0; i < frames.size(); ++i) node("  " + describe(frames[i], i));
  }
  const std::filesystem::path& path() const { return file_; }

 private:
  std::filesystem::path file_;
  std::mutex mu_;
};

// The log's content (previous rotation first), keeping lines stamped at or after `since_unix`.
std::string read_service_log(const std::filesystem::path& file, std::optional<int64_t> since_unix);

}  // namespace edge::node
