#pragma once
// Opt-in JSON for request and response bodies: #include <edge/json.hpp>.
// A small value type with a parser and a serialiser. A module that does not include this
// header pays nothing for it.
//
//   auto body = edge::Json::parse(req.body());
//   if (!body) return res.error(400, body.error());
//   res.json(edge::Json::object({{"name", (*body)["name"]}, {"count", 3}}));
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/result.hpp"
#include "edge/value.hpp"
#include "edge/utf8.hpp"

namespace edge {

class Json {
 public:
  enum class Type : uint8_t { Null, Bool, Int, Double, String, Array, Object };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;  // insertion order kept

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), b_(b) {}
  Json(int v) : type_(Type::Int), i_(v) {}
  Json(long v) : type_(Type::Int), i_(v) {}
  Json(long long v) : type_(Type::Int), i_(v) {}
  Json(unsigned v) : type_(Type::Int), i_(v) {}
  Json(unsigned long v) : type_(Type::Int), i_(static_cast<int64_t>(v)) {}
  Json(unsigned long long v) : type_(Type::Int), i_(static_cast<int64_t>(v)) {}
  Json(double d) : type_(Type::Double), d_(d) {}
  Json(const char* s) : type_(Type::String), s_(s) {}
  Json(std::string_view s) : type_(Type::String), s_(s) {}
  Json(std::string s) : type_(Type::String), s_(std::move(s)) {}
  Json(Array a) : type_(Type::Array), a_(std::move(a)) {}
  Json(Object o) : type_(Type::Object), o_(std::move(o)) {}

  static Json array(std::initializer_list<Json> items = {}) { return Json(Array(items)); }
  static Json object(std::initializer_list<Member> members = {}) { return Json(Object(members)); }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Int || type_ == Type::Double; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  bool as_bool(bool fallback = false) const { return is_bool() ? b_ : fallback; }
  int64_t as_int(int64_t fallback = 0) const {
    return type_ == Type::Int ? i_ : type_ == Type::Double ? static_cast<int64_t>(d_) : fallback;
  }
  double as_double(double fallback = 0) const {
    return type_ == Type::Double ? d_ : type_ == Type::Int ? static_cast<double>(i_) : fallback;
  }
  const std::string& as_string() const { return s_; }
  std::string as_string(std::string_view fallback) const { return is_string() ? s_ : std::string(fallback); }
  const Array& as_array() const { return a_; }
  Array& as_array() { return a_; }
  const Object& as_object() const { return o_; }
  Object& as_object() { return o_; }
  size_t size() const { return is_array() ? a_.size() : is_object() ? o_.size() : 0; }

  const Json* find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& m : o_)
      if (m.first == key) return &m.second;
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Missing keys and out-of-range indexes read as null.
  const Json& operator[](std::string_view key) const {
    const Json* v = find(key);
    return v ? *v : null_value();
  }
  const Json& operator[](size_t i) const { return is_array() && i < a_.size() ? a_[i] : null_value(); }
  const Json& operator[](int i) const { return (*this)[static_cast<size_t>(i)]; }

  Json& set(std::string_view key, Json v) {
    if (!is_object()) *this = Json(Object{});
    for (auto& m : o_)
      if (m.first == key) return m.second = std::move(v);
    o_.emplace_back(std::string(key), std::move(v));
    return o_.back().second;
  }
  bool erase(std::string_view key) {
    for (size_t i = 0; i < o_.size(); ++i)
      if (o_[i].first == key) {
        o_.erase(o_.begin() + static_cast<long>(i));
        return true;
      }
    return false;
  }
  Json& push(Json v) {
    if (!is_array()) *this = Json(Array{});
    a_.push_back(std::move(v));
    return a_.back();
  }

  bool operator==(const Json& o) const {
    if (is_number() && o.is_number() && type_ != o.type_) return as_double() == o.as_double();
    if (type_ != o.type_) return false;
    switch (type_) {
      case Type::Null: return true;
      case Type::Bool: return b_ == o.b_;
      case Type::Int: return i_ == o.i_;
      case Type::Double: return d_ == o.d_;
      case Type::String: return s_ == o.s_;
      case Type::Array: return a_ == o.a_;
      case Type::Object: return o_ == o.o_;
    }
    return false;
  }

  // Compact JSON text. Non-finite numbers become null (JSON has no NaN/Infinity).
  std::string dump() const {
    std::string out;
    dump_to(out);
    return out;
  }
  void dump_to(std::string& out) const {
    switch (type_) {
      case Type::Null: out += "null"; break;
      case Type::Bool: out += b_ ? "true" : "false"; break;
      case Type::Int: append_int(out, i_); break;
      case Type::Double: append_double(out, d_); break;
      case Type::String: append_string(out, s_); break;
      case Type::Array:
        out.push_back('[');
        for (size_t i = 0; i < a_.size(); ++i) {
          if (i) out.push_back(',');
          a_[i].dump_to(out);
        }
        out.push_back(']');
        break;
      case Type::Object:
        out.push_back('{');
        for (size_t i = 0; i < o_.size(); ++i) {
          if (i) out.push_back(',');
          append_string(out, o_[i].first);
          out.push_back(':');
          o_[i].second.dump_to(out);
        }
        out.push_back('}');
        break;
    }
  }

  static Result<Json> parse(std::string_view text);

  static void append_int(std::string& out, int64_t v) {
    char buf[24];
    char* p = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    do *--p = static_cast<char>('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    out.append(p, static_cast<size_t>(buf + sizeof buf - p));
  }
  // Up to 16 significant digits, without printf (which would cost a module ~15 KB): the
  // shortest text for everyday numbers (0.1, 3.14, 0.7), at most one last-digit difference
  // from a full shortest-round-trip printer for the rest.
  static void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
      out += "null";
      return;
    }
    if (d == std::floor(d) && std::fabs(d) < 9.0e15) {  // integral: print exactly, no ".0"
      append_int(out, static_cast<int64_t>(d));
      return;
    }
    if (d < 0) out.push_back('-');
    double v = std::fabs(d);
    int bin;
    std::frexp(v, &bin);
    int e = static_cast<int>(std::floor((bin - 1) * 0.30102999566398114));  // ~floor(log10 v)
    double scaled = scale10(v, 15 - e);
    if (scaled >= 1e16) scaled = scale10(v, 15 - ++e);
    else if (scaled < 1e15) scaled = scale10(v, 15 - --e);
    uint64_t m = static_cast<uint64_t>(scaled + 0.5);
    if (m >= 10000000000000000ull) {
      m /= 10;
      ++e;
    }
    char digits[17];
    int n = 16;
    for (int i = 15; i >= 0; --i, m /= 10) digits[i] = static_cast<char>('0' + m % 10);
    while (n > 1 && digits[n - 1] == '0') --n;
    if (e >= -7 && e < 21) {
      if (e < 0) {
        out += "0.";
        out.append(static_cast<size_t>(-e - 1), '0');
        out.append(digits, static_cast<size_t>(n));
      } else {
        for (int i = 0; i <= e || i < n; ++i) {
          if (i == e + 1) out.push_back('.');
          out.push_back(i < n ? digits[i] : '0');
        }
      }
    } else {
      out.push_back(digits[0]);
      if (n > 1) {
        out.push_back('.');
        out.append(digits + 1, static_cast<size_t>(n - 1));
      }
      out.push_back('e');
      if (e > 0) out.push_back('+');
      append_int(out, e);
    }
  }
  // v * 10^k in steps whose powers of ten are exact doubles (up to 1e22).
  static double scale10(double v, int k) {
    static constexpr double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    for (; k > 22; k -= 22) v *= 1e22;
    for (; k < -22; k += 22) v /= 1e22;
    return k >= 0 ? v * p10[k] : v / p10[-k];
  }
  // Invalid UTF-8 (text from a client or a file, cut anywhere) becomes U+FFFD: the text written
  // is always JSON that every reader accepts.
  static void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (size_t i = 0; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        const size_t n = utf8::sequence_length(s.substr(i));
        if (n == 0) out += utf8::kReplacement;
        else out.append(s.data() + i, n);
        i += n ? n - 1 : 0;
        continue;
      }
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
    }
    out.push_back('"');
  }

 private:
  static const Json& null_value() {
    static const Json* null = new Json();  // never destroyed (see edge::Value)
    return *null;
  }

  Type type_ = Type::Null;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  Array a_;
  Object o_;
};

namespace json_detail {

class Parser {
 public:
  static constexpr int kMaxDepth = 128;
  explicit Parser(std::string_view s) : s_(s) {}

  Result<Json> run() {
    Json v;
    ws();
    if (!value(v, 0)) return fail_result();
    ws();
    if (i_ != s_.size()) {
      error("unexpected text after the JSON value");
      return fail_result();
    }
    return v;
  }

 private:
  Result<Json> fail_result() {
    // Line and column of the problem help whoever sent the body.
    size_t line = 1, col = 1;
    for (size_t k = 0; k < err_pos_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = "invalid JSON at line ";
    Json::append_int(msg, static_cast<int64_t>(line));
    msg += ", column ";
    Json::append_int(msg, static_cast<int64_t>(col));
    msg += ": ";
    msg += err_;
    return Result<Json>::failure(std::move(msg));
  }
  bool error(const char* why) {
    if (err_.empty()) {
      err_ = why;
      err_pos_ = i_;
    }
    return false;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return error("unknown literal");
    i_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than 128 levels");
    if (i_ >= s_.size()) return error("unexpected end of input");
    char c = s_[i_];
    switch (c) {
      case 'n': out = Json(); return literal("null");
      case 't': out = Json(true); return literal("true");
      case 'f': out = Json(false); return literal("false");
      case '"': {
        std::string str;
        if (!string(str)) return false;
        out = Json(std::move(str));
        return true;
      }
      case '[': return array(out, depth);
      case '{': return object(out, depth);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        return error("unexpected character");
    }
  }

  bool array(Json& out, int depth) {
    ++i_;
    Json::Array items;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      out = Json(std::move(items));
      return true;
    }
    for (;;) {
      ws();
      items.emplace_back();
      if (!value(items.back(), depth + 1)) return false;
      ws();
      if (i_ >= s_.size()) return error("unterminated array");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        out = Json(std::move(items));
        return true;
      }
      return error("expected ',' or ']'");
    }
  }

  bool object(Json& out, int depth) {
    ++i_;
    Json::Object members;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      out = Json(std::move(members));
      return true;
    }
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return error("expected a string key");
      std::string key;
      if (!string(key)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return error("expected ':'");
      ++i_;
      ws();
      Json v;
      if (!value(v, depth + 1)) return false;
      bool replaced = false;  // a repeated key keeps the last value, like most parsers
      for (auto& m : members)
        if (m.first == key) {
          m.second = std::move(v);
          replaced = true;
        }
      if (!replaced) members.emplace_back(std::move(key), std::move(v));
      ws();
      if (i_ >= s_.size()) return error("unterminated object");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        out = Json(std::move(members));
        return true;
      }
      return error("expected ',' or '}'");
    }
  }

  bool hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return error("truncated \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return error("bad \\u escape");
      cp = cp * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00) {  // surrogate pair
            uint32_t lo;
            if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
              i_ += 2;
              if (!hex4(lo)) return false;
              if (lo < 0xdc00 || lo > 0xdfff) return error("bad surrogate pair");
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else {
              return error("lone surrogate");
            }
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return error("lone surrogate");
          }
          utf8(out, cp);
          break;
        }
        default: return error("bad escape");
      }
    }
    return error("unterminated string");
  }

  bool number(Json& out) {
    size_t start = i_;
    bool integral = true;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !digit(s_[i_])) return error("bad number");
    if (s_[i_] == '0') ++i_;
    else
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      integral = false;
      ++i_;
      if (i_ >= s_.size() || !digit(s_[i_])) return error("bad number");
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integral = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !digit(s_[i_])) return error("bad number");
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    std::string_view text = s_.substr(start, i_ - start);
    if (integral && text.size() <= 18) {  // fits int64 for sure
      int64_t v = 0;
      bool neg = text[0] == '-';
      for (char c : text.substr(neg ? 1 : 0)) v = v * 10 + (c - '0');
      out = Json(static_cast<long long>(neg ? -v : v));
      return true;
    }
    // Decimal mantissa (19 significant digits at most) times a power of ten.
    uint64_t mant = 0;
    int exp10 = 0, sig = 0;
    bool neg = false, frac = false;
    size_t k = 0;
    if (text[k] == '-') {
      neg = true;
      ++k;
    }
    for (; k < text.size() && text[k] != 'e' && text[k] != 'E'; ++k) {
      if (text[k] == '.') {
        frac = true;
        continue;
      }
      if (sig < 19) {
        if (mant || text[k] != '0') ++sig;
        mant = mant * 10 + static_cast<uint64_t>(text[k] - '0');
        if (frac) --exp10;
      } else if (!frac) {
        ++exp10;
      }
    }
    if (k < text.size()) {
      ++k;
      bool eneg = text[k] == '-';
      if (text[k] == '+' || text[k] == '-') ++k;
      int e = 0;
      for (; k < text.size(); ++k) e = e < 100000 ? e * 10 + (text[k] - '0') : e;
      exp10 += eneg ? -e : e;
    }
    if (exp10 < -400 || mant == 0) {
      out = Json(neg ? -0.0 : 0.0);
      return true;
    }
    double v = exp10 > 400 ? HUGE_VAL : Json::scale10(static_cast<double>(mant), exp10);
    if (!std::isfinite(v)) return error("number out of range");
    out = Json(neg ? -v : v);
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  std::string_view s_;
  size_t i_ = 0;
  std::string err_;
  size_t err_pos_ = 0;
};

}  // namespace json_detail

inline Result<Json> Json::parse(std::string_view text) { return json_detail::Parser(text).run(); }

// Bridges to the ABI's data model (e.g. to put a JSON body into a storage value or back).
inline Value to_value(const Json& j) {
  switch (j.type()) {
    case Json::Type::Null: return Value();
    case Json::Type::Bool: return Value(j.as_bool());
    case Json::Type::Int: return Value(static_cast<long long>(j.as_int()));
    case Json::Type::Double: return Value(j.as_double());
    case Json::Type::String: return Value(j.as_string());
    case Json::Type::Array: {
      Value::Array a;
      for (const auto& item : j.as_array()) a.push_back(to_value(item));
      return Value(std::move(a));
    }
    case Json::Type::Object: {
      Value::Map m;
      for (const auto& [k, item] : j.as_object()) m.emplace_back(k, to_value(item));
      return Value(std::move(m));
    }
  }
  return Value();
}

inline Json to_json(const Value& v) {
  using T = Value::Type;
  switch (v.type()) {
    case T::Nil: return Json();
    case T::Bool: return Json(v.as_bool());
    case T::Int: return Json(static_cast<long long>(v.as_int()));
    case T::Uint: return Json(static_cast<unsigned long long>(v.as_uint()));
    case T::Double: return Json(v.as_double());
    case T::String:
    case T::Binary: return Json(v.as_string());
    case T::Array: {
      Json::Array a;
      for (const auto& item : v.as_array()) a.push_back(to_json(item));
      return Json(std::move(a));
    }
    case T::Map: {
      Json::Object o;
      for (const auto& [k, item] : v.as_map()) o.emplace_back(k, to_json(item));
      return Json(std::move(o));
    }
  }
  return Json();
}

}  // namespace edge
