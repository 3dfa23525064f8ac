#pragma once
// "Did you mean ...?": the known word nearest to a slip (a mistyped command or manifest key).
#include <span>
#include <string>
#include <string_view>

namespace edge {

// The candidate within two edits (insert, delete, replace) of `word`, the nearest first; empty
// when none is that close: more edits than that is another word, not a slip.
std::string nearest_word(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace edge
