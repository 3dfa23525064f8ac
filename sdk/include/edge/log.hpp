#pragma once
// Levelled logging to stderr (WASI fd 2; the node puts it in the service's log).
// Deliberately tiny: no iostream, no printf. Arguments are strings or integers:
//   edge::log::info("stored ", key, " (", size, " bytes)");
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "edge/text.hpp"

namespace edge::log {

enum class Level : uint8_t { Debug, Info, Warn, Error, Off };

inline Level& threshold() {
  static Level level = Level::Info;
  return level;
}
inline void set_level(Level level) { threshold() = level; }

// "debug", "info", "warn", "error", "off"; anything else leaves the level unchanged.
inline void set_level(std::string_view name) {
  static constexpr std::string_view names[] = {"debug", "info", "warn", "error", "off"};
  for (int i = 0; i < 5; ++i)
    if (name == names[i]) threshold() = static_cast<Level>(i);
}

namespace detail {
inline void append(std::string& out, std::string_view s) { out.append(s); }
inline void append(std::string& out, const char* s) { out.append(s ? s : "(null)"); }
inline void append(std::string& out, const std::string& s) { out.append(s); }
inline void append(std::string& out, char c) { out.push_back(c); }
inline void append(std::string& out, bool b) { out.append(b ? "true" : "false"); }
template <class I>
  requires std::is_integral_v<I>
inline void append(std::string& out, I v) {
  text::append_dec(out, v);
}

inline void write_line(Level level, std::string& line) {
  static constexpr std::string_view tags[] = {"[debug] ", "[info] ", "[warn] ", "[error] "};
  line.insert(0, tags[static_cast<int>(level)]);
  line.push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(2, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}
}  // namespace detail

template <class... Args>
void write(Level level, const Args&... args) {
  if (level < threshold()) return;
  std::string line;
  (detail::append(line, args), ...);
  detail::write_line(level, line);
}

template <class... Args>
void debug(const Args&... a) {
  write(Level::Debug, a...);
}
template <class... Args>
void info(const Args&... a) {
  write(Level::Info, a...);
}
template <class... Args>
void warn(const Args&... a) {
  write(Level::Warn, a...);
}
template <class... Args>
void error(const Args&... a) {
  write(Level::Error, a...);
}

}  // namespace edge::log
