#pragma once
// UTF-8 as JSON needs it, for text that comes from outside (a URL, a header, a guest's output):
// invalid bytes become U+FFFD, and a cut never splits a character. One implementation for the
// SDK's JSON writer, the node and the CLI: JSON written from such text is always valid, and
// nlohmann::json's dump(), which throws on invalid UTF-8, is never handed any.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edge::utf8 {

// The length of the valid UTF-8 sequence at the start of `s` (1 to 4), or 0 if there is none:
// no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629).
inline size_t sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i)
    if ((b(i) & 0xc0) != 0x80) return 0;
  return n;
}

inline bool is_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// Appends `s` to `out` with each invalid byte replaced by U+FFFD.
inline void append_valid(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_length(s.substr(i));
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
}

inline std::string valid(std::string_view s) {
  if (is_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  append_valid(out, s);
  return out;
}

// The longest prefix of `s` of at most `max_bytes` that does not end inside a character.
inline std::string_view prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80 && max_bytes - end < 3) --end;
  return s.substr(0, end);
}

}  // namespace edge::utf8
