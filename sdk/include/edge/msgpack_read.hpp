#pragma once
// A MessagePack cursor that reads in place: strings come back as views into the message, nothing
// is allocated, and a value nobody asks for is skipped without being built. The ABI's messages
// are read this way where speed matters (the SDK's event, the node's response.send); edge::Value
// (edge/msgpack.hpp) stays for messages of any shape.
//
// Bounds-checked and depth-limited: once a read fails (truncated, wrong type, too deep) the reader
// is spent (ok() is false) and every later read fails too, so a caller checks once at the end.
// No exceptions, no dependencies: both the guest (-fno-exceptions) and the node include it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace edge::msgpack {

class Reader {
 public:
  enum class Kind : uint8_t { Nil, Bool, Int, Double, String, Binary, Array, Map, Other, End };

  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }

  // What the next value is, without reading it.
  Kind peek() const {
    if (!ok_ || p_ == end_) return Kind::End;
    const uint8_t b = *p_;
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return Kind::Int;
    if ((b & 0xe0) == 0xa0 || (b >= 0xd9 && b <= 0xdb)) return Kind::String;
    if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) return Kind::Map;
    if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) return Kind::Array;
    if (b == 0xc0) return Kind::Nil;
    if (b == 0xc2 || b == 0xc3) return Kind::Bool;
    if (b == 0xca || b == 0xcb) return Kind::Double;
    if (b >= 0xc4 && b <= 0xc6) return Kind::Binary;
    return Kind::Other;  // ext types: skipped, never read
  }

  bool map_header(uint32_t& n) { return header(n, 0x80, 0xde, 0xdf); }
  bool array_header(uint32_t& n) { return header(n, 0x90, 0xdc, 0xdd); }

  // A string (or binary, read as bytes).
  bool string(std::string_view& out) {
    if (!ok_ || p_ == end_) return fail();
    const uint8_t b = *p_;
    uint64_t n = 0;
    if ((b & 0xe0) == 0xa0) {
      n = b & 0x1f;
      ++p_;
    } else if (b == 0xd9 || b == 0xc4) {
      ++p_;
      if (!be(n, 1)) return false;
    } else if (b == 0xda || b == 0xc5) {
      ++p_;
      if (!be(n, 2)) return false;
    } else if (b == 0xdb || b == 0xc6) {
      ++p_;
      if (!be(n, 4)) return false;
    } else {
      return fail();
    }
    if (left() < n) return fail();
    out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return true;
  }

  // A whole number of any width that fits an int64_t.
  bool integer(int64_t& out) {
    if (!ok_ || p_ == end_) return fail();
    const uint8_t b = *p_++;
    uint64_t u = 0;
    if (b <= 0x7f) return out = b, true;
    if (b >= 0xe0) return out = int64_t(b) - 256, true;  // negative fixint: -32..-1
    static constexpr int kWidth[] = {1, 2, 4, 8};
    if (b >= 0xcc && b <= 0xcf) {  // unsigned 8..64
      if (!be(u, kWidth[b - 0xcc]) || u > uint64_t(INT64_MAX)) return fail();
      return out = static_cast<int64_t>(u), true;
    }
    if (b >= 0xd0 && b <= 0xd3) {  // signed 8..64: sign-extend from its width
      const int bytes = kWidth[b - 0xd0];
      if (!be(u, bytes)) return false;
      const int shift = 64 - 8 * bytes;
      out = static_cast<int64_t>(u << shift) >> shift;
      return true;
    }
    return fail();
  }

  // Skips one value, whatever it is.
  bool skip() { return skip_value(0); }

  // The bytes of the next value (for a later Reader), skipping it.
  bool raw(std::string_view& out) {
    const uint8_t* start = p_;
    if (!skip()) return false;
    out = std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;

  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool fail() { return ok_ = false; }
  bool be(uint64_t& n, int bytes) {
    if (left() < static_cast<size_t>(bytes)) return fail();
    n = 0;
    for (int i = 0; i < bytes; ++i) n = (n << 8) | *p_++;
    return true;
  }
  bool header(uint32_t& n, uint8_t fix, uint8_t b16, uint8_t b32) {
    if (!ok_ || p_ == end_) return fail();
    const uint8_t b = *p_;
    uint64_t v = 0;
    if ((b & 0xf0) == fix) {
      v = b & 0x0f;
      ++p_;
    } else if (b == b16 || b == b32) {
      ++p_;
      if (!be(v, b == b16 ? 2 : 4)) return false;
    } else {
      return fail();
    }
    if (left() < v) return fail();  // every element takes at least a byte: no huge counts
    n = static_cast<uint32_t>(v);
    return true;
  }
  bool skip_bytes(uint64_t n) {
    if (left() < n) return fail();
    p_ += n;
    return true;
  }
  bool skip_value(int depth) {
    if (depth > kMaxDepth) return fail();
    uint32_t n = 0;
    std::string_view s;
    switch (peek()) {
      case Kind::Nil:
      case Kind::Bool: return skip_bytes(1);
      case Kind::Int: return skip_bytes(int_size(*p_));
      case Kind::Double: return skip_bytes(*p_ == 0xca ? 5 : 9);
      case Kind::String:
      case Kind::Binary: return string(s);
      case Kind::Array:
        if (!array_header(n)) return false;
        for (uint32_t k = 0; k < n; ++k)
          if (!skip_value(depth + 1)) return false;
        return true;
      case Kind::Map:
        if (!map_header(n)) return false;
        for (uint32_t k = 0; k < 2 * n; ++k)
          if (!skip_value(depth + 1)) return false;
        return true;
      case Kind::Other: return skip_ext();
      case Kind::End: return fail();
    }
    return fail();
  }
  // Bytes taken by an integer starting with `b` (a fixint, or a tag and 1, 2, 4 or 8 bytes).
  static uint64_t int_size(uint8_t b) {
    if (b <= 0x7f || b >= 0xe0) return 1;
    return 1 + (uint64_t(1) << ((b - 0xcc) & 3));
  }
  bool skip_ext() {
    const uint8_t b = *p_++;
    uint64_t n = 0;
    switch (b) {
      case 0xd4: return skip_bytes(2);
      case 0xd5: return skip_bytes(3);
      case 0xd6: return skip_bytes(5);
      case 0xd7: return skip_bytes(9);
      case 0xd8: return skip_bytes(17);
      case 0xc7: return be(n, 1) && skip_bytes(n + 1);
      case 0xc8: return be(n, 2) && skip_bytes(n + 1);
      case 0xc9: return be(n, 4) && skip_bytes(n + 1);
      default: return fail();  // 0xc1: never used
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace edge::msgpack
