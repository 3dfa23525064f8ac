#pragma once
// The MessagePack writing primitives (spec: github.com/msgpack/msgpack), shortest form first, as
// every conforming encoder (and nlohmann::json::to_msgpack) writes them. Apart from edge/msgpack.hpp
// so that code with no use for edge::Value (the node's event writer) shares the same forms.
#include <cstdint>
#include <string>
#include <string_view>

namespace edge::msgpack::detail {

inline void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Header of a string/binary/array/map of length n: fix form (if any), then 8/16/32-bit forms.
inline void put_len(std::string& out, size_t n, uint8_t fix, size_t fix_max, uint8_t b8, uint8_t b16, uint8_t b32) {
  if (fix && n <= fix_max) {
    out.push_back(static_cast<char>(fix | n));
  } else if (b8 && n <= 0xff) {
    out.push_back(static_cast<char>(b8));
    put_be(out, n, 1);
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(b16));
    put_be(out, n, 2);
  } else {
    out.push_back(static_cast<char>(b32));
    put_be(out, n, 4);
  }
}

inline void put_uint(std::string& out, uint64_t u) {
  if (u <= 0x7f) {
    out.push_back(static_cast<char>(u));
  } else if (u <= 0xff) {
    out.push_back('\xcc');
    put_be(out, u, 1);
  } else if (u <= 0xffff) {
    out.push_back('\xcd');
    put_be(out, u, 2);
  } else if (u <= 0xffffffffu) {
    out.push_back('\xce');
    put_be(out, u, 4);
  } else {
    out.push_back('\xcf');
    put_be(out, u, 8);
  }
}

inline void put_int(std::string& out, int64_t i) {
  if (i >= 0) return put_uint(out, static_cast<uint64_t>(i));
  if (i >= -32) {
    out.push_back(static_cast<char>(i));
  } else if (i >= INT8_MIN) {
    out.push_back('\xd0');
    put_be(out, static_cast<uint64_t>(i), 1);
  } else if (i >= INT16_MIN) {
    out.push_back('\xd1');
    put_be(out, static_cast<uint64_t>(i), 2);
  } else if (i >= INT32_MIN) {
    out.push_back('\xd2');
    put_be(out, static_cast<uint64_t>(i), 4);
  } else {
    out.push_back('\xd3');
    put_be(out, static_cast<uint64_t>(i), 8);
  }
}

inline void put_str(std::string& out, std::string_view s) {
  put_len(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
  out.append(s);
}

inline void put_map_header(std::string& out, size_t n) { put_len(out, n, 0x80, 15, 0, 0xde, 0xdf); }
inline void put_array_header(std::string& out, size_t n) { put_len(out, n, 0x90, 15, 0, 0xdc, 0xdd); }

}  // namespace edge::msgpack::detail
