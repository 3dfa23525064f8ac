#pragma once
// The text of a JSON document that may hold text from outside (a URL, a header, a file name, a
// guest's output): invalid UTF-8 becomes U+FFFD instead of nlohmann's dump() throwing, which on a
// connection or a job would end the node. Every JSON the node and the CLI write goes through it.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edge {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// True when arrays and objects in `text` nest deeper than `limit` (brackets in strings do not
// count). Checked before a recursive parser sees text from outside: nlohmann's parse of 30 Mi `[`
// took seconds and gigabytes.
inline bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace edge
