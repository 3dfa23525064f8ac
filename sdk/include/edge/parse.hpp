#pragma once
// edge::parse<int>("42"): text to a number as a Result, for query strings, params, headers and
// stored values. std::stoi and friends throw on bad input, which under -fno-exceptions aborts the
// whole request with "trap: unreachable" and loses the reason; this says what was wrong.
#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <system_error>

#include "edge/result.hpp"

namespace edge {

// The whole text must be the number (base 10, an optional '-' for signed types; no spaces, no
// '+'). `if (auto n = edge::parse<int>(req.query("limit"))) use(*n); else res.error(400, n.error());`
template <std::integral T>
  requires(!std::same_as<T, bool>)
Result<T> parse(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty()) return Result<T>::failure("expected a number, got nothing");
  if (ec == std::errc::result_out_of_range) return Result<T>::failure("`" + std::string(text) + "` is out of range");
  if (ec != std::errc() || stop != end) return Result<T>::failure("`" + std::string(text) + "` is not a whole number");
  return value;
}

}  // namespace edge
