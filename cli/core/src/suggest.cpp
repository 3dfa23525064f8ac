#include "edge/core/suggest.hpp"

#include <algorithm>
#include <vector>

namespace edge {
namespace {

// Levenshtein distance, one row at a time.
size_t edits(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_word(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view nearest;
  size_t best = 3;
  for (auto c : candidates)
    if (size_t d = edits(word, c); d < best) {
      best = d;
      nearest = c;
    }
  return std::string(nearest);
}

}  // namespace edge
