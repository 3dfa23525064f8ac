#include "edge/core/api_key.hpp"

#include <algorithm>

namespace edge {

std::optional<std::string> mcm_api_key_of(std::string_view text) {
  constexpr std::string_view kKey = "MCM_API_KEY=";
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("export ")) line.remove_prefix(7);
    if (!line.starts_with(kKey)) continue;
    std::string_view value = line.substr(kKey.size());
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (!value.empty()) return std::string(value);
  }
  return std::nullopt;
}

}  // namespace edge
