#pragma once
// Wall-clock time (WASI clock_time_get) without pulling in strftime.
#include <cstdint>
#include <ctime>
#include <string>

#include "edge/abi.hpp"

namespace edge::time {

// Milliseconds since the Unix epoch (in a host-compiled test, the test's clock when it set one).
inline int64_t now_ms() {
#if !defined(__wasm__)
  if (const auto& clock = abi::host_transport().clock_ms) return clock();
#endif
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// "2026-11-24T01:02:03.456Z" (UTC; proleptic Gregorian, days-from-civil inverse).
inline std::string iso8601(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto two = [](std::string& s, int64_t v) {
    s.push_back(static_cast<char>('0' + v / 10 % 10));
    s.push_back(static_cast<char>('0' + v % 10));
  };
  std::string s;
  two(s, y / 100);
  two(s, y % 100);
  s.push_back('-');
  two(s, m);
  s.push_back('-');
  two(s, d);
  s.push_back('T');
  two(s, rem / 3600);
  s.push_back(':');
  two(s, rem / 60 % 60);
  s.push_back(':');
  two(s, rem % 60);
  s.push_back('.');
  s.push_back(static_cast<char>('0' + millis / 100));
  two(s, millis % 100);
  s.push_back('Z');
  return s;
}

inline std::string now_iso8601() { return iso8601(now_ms()); }

}  // namespace edge::time
