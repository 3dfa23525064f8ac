#pragma once
// Number-to-text helpers that do not drag printf or libc++'s itoa tables into a module.
#include <cstdint>
#include <string>
#include <type_traits>

namespace edge::text {

template <class I>
  requires std::is_integral_v<I>
inline void append_dec(std::string& out, I v) {
  char buf[24];
  char* p = buf + sizeof buf;
  using U = std::make_unsigned_t<I>;
  bool neg = v < 0;
  U u = neg ? static_cast<U>(0 - static_cast<U>(v)) : static_cast<U>(v);
  do *--p = static_cast<char>('0' + u % 10);
  while (u /= 10);
  if (neg) *--p = '-';
  out.append(p, static_cast<size_t>(buf + sizeof buf - p));
}

template <class I>
  requires std::is_integral_v<I>
inline std::string dec(I v) {
  std::string s;
  append_dec(s, v);
  return s;
}

}  // namespace edge::text
