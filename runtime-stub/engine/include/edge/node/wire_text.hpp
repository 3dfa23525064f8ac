#pragma once
// What a guest hands the node to put on the wire as it is: its response's header names and values,
// and the URL and headers of its outbound fetches. A CR or LF there would end the header (or the
// request line) early, so that the rest is read as another header, response or request (response
// splitting, request smuggling); a NUL is cut differently by different parsers. Each is refused
// with a reason the service log and the guest can show.
#include <optional>
#include <string>
#include <string_view>

namespace edge::node {

// How many response headers a guest may send (more made writing them slower than linear).
inline constexpr size_t kMaxGuestResponseHeaders = 256;

// Up to `max` bytes of `text`, control and non-ASCII bytes as '?', for a message or a log line.
inline std::string printable_prefix(std::string_view text, size_t max = 64) {
  std::string out(text.substr(0, max));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

// The problem with header `name: value`, or none: a name of RFC 9110 token characters, a value
// without CR, LF or NUL.
inline std::optional<std::string> header_problem(std::string_view name, std::string_view value) {
  const auto token_char = [](unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
  };
  if (name.empty()) return "a header has an empty name";
  for (unsigned char c : name)
    if (!token_char(c)) return "the header name '" + printable_prefix(name) + "' holds a character HTTP does not allow";
  for (unsigned char c : value)
    if (c == '\r' || c == '\n' || c == '\0')
      return "the value of header " + std::string(name) + " holds a CR, LF or NUL (it would split the message)";
  return std::nullopt;
}

// The problem with a URL to fetch, or none: no CR, LF, NUL, space or other control character.
inline std::optional<std::string> url_problem(std::string_view url) {
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f)
      return "the URL holds a space or a control character (CR, LF, NUL...): percent-encode it";
  return std::nullopt;
}

}  // namespace edge::node
