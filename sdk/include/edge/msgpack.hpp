#pragma once
// A small MessagePack codec of our own for edge::Value (spec: github.com/msgpack/msgpack).
// Encoding picks the shortest form, as every conforming encoder does, so the bytes match
// other encoders (tests compare with nlohmann::json::to_msgpack). Decoding is bounds-checked
// and depth-limited: a hostile or truncated message yields an error, never a crash.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "edge/msgpack_write.hpp"
#include "edge/result.hpp"
#include "edge/text.hpp"
#include "edge/value.hpp"

namespace edge::msgpack {

// Appends the encoding of `v` to `out`.
inline void encode(const Value& v, std::string& out) {
  using T = Value::Type;
  switch (v.type()) {
    case T::Nil: out.push_back('\xc0'); break;
    case T::Bool: out.push_back(v.as_bool() ? '\xc3' : '\xc2'); break;
    case T::Int: detail::put_int(out, v.as_int()); break;
    case T::Uint: detail::put_uint(out, v.as_uint()); break;
    case T::Double: {
      // float 32 when it holds the value exactly, as nlohmann::json (mimik's SDK) does.
      double d = v.as_double();
      float f = static_cast<float>(d);
      if (d >= -3.4028234663852886e38 && d <= 3.4028234663852886e38 && static_cast<double>(f) == d) {
        uint32_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        out.push_back('\xca');
        detail::put_be(out, bits, 4);
      } else {
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        out.push_back('\xcb');
        detail::put_be(out, bits, 8);
      }
      break;
    }
    case T::String: detail::put_str(out, v.as_string()); break;
    case T::Binary:
      detail::put_len(out, v.as_string().size(), 0, 0, 0xc4, 0xc5, 0xc6);
      out.append(v.as_string());
      break;
    case T::Array:
      detail::put_array_header(out, v.size());
      for (const auto& item : v.as_array()) encode(item, out);
      break;
    case T::Map:
      detail::put_map_header(out, v.size());
      for (const auto& [key, item] : v.as_map()) {
        detail::put_str(out, key);
        encode(item, out);
      }
      break;
  }
}

inline std::string encode(const Value& v) {
  std::string out;
  encode(v, out);
  return out;
}

namespace detail {

class Decoder {
 public:
  static constexpr int kMaxDepth = 64;
  Decoder(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}

  bool value(Value& out, int depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than 64 levels");
    uint8_t b;
    if (!byte(b)) return false;
    if (b <= 0x7f) return out = Value(static_cast<unsigned long long>(b)), true;
    if (b >= 0xe0) return out = Value(static_cast<long long>(static_cast<int8_t>(b))), true;
    if ((b & 0xe0) == 0xa0) return string(out, b & 0x1f, Value::Type::String);
    if ((b & 0xf0) == 0x90) return array(out, b & 0x0f, depth);
    if ((b & 0xf0) == 0x80) return map(out, b & 0x0f, depth);
    uint64_t n = 0;
    switch (b) {
      case 0xc0: out = Value(); return true;
      case 0xc2: out = Value(false); return true;
      case 0xc3: out = Value(true); return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: return be(n, 1 << (b - 0xc4)) && string(out, n, Value::Type::Binary);
      case 0xca: {  // float 32
        if (!be(n, 4)) return false;
        uint32_t bits = static_cast<uint32_t>(n);
        float f;
        std::memcpy(&f, &bits, sizeof f);
        out = Value(static_cast<double>(f));
        return true;
      }
      case 0xcb: {
        if (!be(n, 8)) return false;
        double d;
        std::memcpy(&d, &n, sizeof d);
        out = Value(d);
        return true;
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        if (!be(n, 1 << (b - 0xcc))) return false;
        out = Value(static_cast<unsigned long long>(n));
        return true;
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        int bytes = 1 << (b - 0xd0);
        if (!be(n, bytes)) return false;
        int shift = 64 - 8 * bytes;  // sign-extend
        out = Value(static_cast<long long>(static_cast<int64_t>(n << shift) >> shift));
        return true;
      }
      case 0xd9:
      case 0xda:
      case 0xdb: return be(n, 1 << (b - 0xd9)) && string(out, n, Value::Type::String);
      case 0xdc:
      case 0xdd: return be(n, b == 0xdc ? 2 : 4) && array(out, n, depth);
      case 0xde:
      case 0xdf: return be(n, b == 0xde ? 2 : 4) && map(out, n, depth);
      default: return fail("unsupported MessagePack type byte");  // ext types, 0xc1
    }
  }

  bool at_end() const { return p_ == end_; }
  const char* error() const { return error_; }

 private:
  bool fail(const char* why) {
    if (!error_) error_ = why;
    return false;
  }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool byte(uint8_t& b) {
    if (p_ == end_) return fail("message truncated");
    b = *p_++;
    return true;
  }
  bool be(uint64_t& n, int bytes) {
    if (left() < static_cast<size_t>(bytes)) return fail("message truncated");
    n = 0;
    for (int i = 0; i < bytes; ++i) n = (n << 8) | *p_++;
    return true;
  }
  bool string(Value& out, uint64_t n, Value::Type type) {
    if (left() < n) return fail("message truncated");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    out = type == Value::Type::Binary ? Value::binary(std::move(s)) : Value(std::move(s));
    return true;
  }
  bool array(Value& out, uint64_t n, int depth) {
    if (left() < n) return fail("message truncated");  // each element takes at least one byte
    Value::Array items(static_cast<size_t>(n));
    for (auto& item : items)
      if (!value(item, depth + 1)) return false;
    out = Value(std::move(items));
    return true;
  }
  bool map(Value& out, uint64_t n, int depth) {
    if (left() / 2 < n) return fail("message truncated");
    Value::Map members(static_cast<size_t>(n));
    for (auto& [key, item] : members) {
      Value k;
      if (!value(k, depth + 1)) return false;
      if (k.is_string() || k.is_binary()) key = std::move(k.as_string());
      else if (k.is_int()) key = text::dec(k.as_int());  // tolerated: read as its decimal text
      else return fail("map key is not a string");
      if (!value(item, depth + 1)) return false;
    }
    out = Value(std::move(members));
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  const char* error_ = nullptr;
};

}  // namespace detail

// Decodes exactly one value filling all of `bytes`.
inline Result<Value> decode(std::string_view bytes) {
  detail::Decoder d(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  Value v;
  if (!d.value(v, 0)) return Result<Value>::failure(std::string("invalid MessagePack: ") + d.error());
  if (!d.at_end()) return Result<Value>::failure("invalid MessagePack: trailing bytes after the value");
  return v;
}

}  // namespace edge::msgpack
