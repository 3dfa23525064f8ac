#include "service_log.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/core.h>

#include "node_log.hpp"

namespace edge::node {
namespace fs = std::filesystem;

namespace {

const char* stream_name(ServiceLog::Stream s) {
  switch (s) {
    case ServiceLog::Stream::Stdout: return "stdout";
    case ServiceLog::Stream::Stderr: return "stderr";
    case ServiceLog::Stream::Node: return "node";
  }
  return "node";
}

// Unix seconds of a line's leading timestamp; nullopt if the line has none.
std::optional<int64_t> line_time(std::string_view line) {
  std::tm tm{};
  int ms = 0;
  std::string head(line.substr(0, 24));
  if (sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
             &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

void FileServiceLog::write(Stream stream, std::string_view text, std::string_view trace_id) {
  // Each piece of guest output becomes whole lines: guests write partial lines, but a shared
  // file with several concurrent requests cannot stitch them back together anyway.
  std::string out;
  std::string prefix = utc_timestamp() + " " + stream_name(stream) + " ";
  if (!trace_id.empty()) prefix += fmt::format("trace={} ", trace_id);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view piece = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    out += prefix;
    out += piece;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (out.empty()) return;
  std::lock_guard lock(mu_);
  std::error_code ec;
  if (fs::exists(file_, ec) && fs::file_size(file_, ec) + out.size() > kMaxBytes) {
    fs::path old = file_;
    old += ".1";
    fs::rename(file_, old, ec);
  }
  std::ofstream f(file_, std::ios::app | std::ios::binary);
  f << out;
}

std::string read_service_log(const fs::path& file, std::optional<int64_t> since_unix) {
  std::string all;
  fs::path old = file;
  old += ".1";
  for (const auto& p : {old, file}) {
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::ostringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  if (!since_unix) return all;
  std::string kept;
  std::istringstream lines(all);
  std::string line;
  while (std::getline(lines, line)) {
    auto t = line_time(line);
    if (!t || *t >= *since_unix) kept += line + "\n";
  }
  return kept;
}

}  // namespace edge::node
