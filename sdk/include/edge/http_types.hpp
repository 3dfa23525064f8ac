#pragma once
// HTTP building blocks: case-insensitive headers, percent-decoding, query strings.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edge {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Header names compare case-insensitively; they are kept as given (the host lower-cases
// request headers anyway). Multiple values for a name are allowed.
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;

  const std::string* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (iequals(e.first, name)) return &e.second;
    return nullptr;
  }
  std::string get(std::string_view name, std::string_view fallback = {}) const {
    const std::string* v = find(name);
    return v ? *v : std::string(fallback);
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  void add(std::string_view name, std::string_view value) {
    entries_.emplace_back(std::string(name), std::string(value));
  }
  // Replaces every value of `name` with one.
  void set(std::string_view name, std::string_view value) {
    remove(name);
    add(name, value);
  }
  void remove(std::string_view name) {
    for (size_t i = entries_.size(); i-- > 0;)
      if (iequals(entries_[i].first, name)) entries_.erase(entries_.begin() + static_cast<long>(i));
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// %XX -> byte; with plus_is_space (query strings), '+' -> ' '. Malformed escapes stay as they are.
inline std::string url_decode(std::string_view s, bool plus_is_space = false) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters.
inline std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == '~';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// Decoded query parameters in order; a name may repeat.
class Query {
 public:
  using Entry = std::pair<std::string, std::string>;
  static Query parse(std::string_view qs) {
    Query q;
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view part = qs.substr(0, amp);
      qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string_view name = part.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
      q.entries_.emplace_back(url_decode(name, true), url_decode(value, true));
    }
    return q;
  }
  const std::string* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.first == name) return &e.second;
    return nullptr;
  }
  std::string get(std::string_view name, std::string_view fallback = {}) const {
    const std::string* v = find(name);
    return v ? *v : std::string(fallback);
  }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& e : entries_)
      if (e.first == name) out.push_back(e.second);
    return out;
  }
  size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace edge
