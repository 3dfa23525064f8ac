#pragma once
// edge::Value: the data model of the ABI's MessagePack messages (nil, bool, int, uint,
// double, string, binary, array, map with string keys). Small on purpose: it is what every
// module carries, so it uses only std::string and std::vector (no map trees, no variant).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edge {

class Value {
 public:
  enum class Type : uint8_t { Nil, Bool, Int, Uint, Double, String, Binary, Array, Map };
  using Array = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  using Map = std::vector<Member>;  // insertion order kept; keys unique by construction via set()

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : type_(Type::Bool) { num_.b = b; }
  Value(int v) : Value(static_cast<long long>(v)) {}
  Value(long v) : Value(static_cast<long long>(v)) {}
  Value(long long v) : type_(Type::Int) { num_.i = v; }
  Value(unsigned v) : Value(static_cast<unsigned long long>(v)) {}
  Value(unsigned long v) : Value(static_cast<unsigned long long>(v)) {}
  Value(unsigned long long v) : type_(Type::Uint) { num_.u = v; }
  Value(double d) : type_(Type::Double) { num_.d = d; }
  Value(const char* s) : type_(Type::String), str_(s) {}
  Value(std::string_view s) : type_(Type::String), str_(s) {}
  Value(std::string s) : type_(Type::String), str_(std::move(s)) {}
  Value(Array a) : type_(Type::Array), arr_(std::move(a)) {}
  Value(Map m) : type_(Type::Map), map_(std::move(m)) {}

  static Value binary(std::string bytes) {
    Value v(std::move(bytes));
    v.type_ = Type::Binary;
    return v;
  }
  static Value array(std::initializer_list<Value> items = {}) { return Value(Array(items)); }
  static Value map(std::initializer_list<Member> members = {}) { return Value(Map(members)); }

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::Nil; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_int() const { return type_ == Type::Int || type_ == Type::Uint; }
  bool is_number() const { return is_int() || type_ == Type::Double; }
  bool is_string() const { return type_ == Type::String; }
  bool is_binary() const { return type_ == Type::Binary; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_map() const { return type_ == Type::Map; }

  bool as_bool(bool fallback = false) const { return type_ == Type::Bool ? num_.b : fallback; }
  int64_t as_int(int64_t fallback = 0) const {
    switch (type_) {
      case Type::Int: return num_.i;
      case Type::Uint: return static_cast<int64_t>(num_.u);
      case Type::Double: return static_cast<int64_t>(num_.d);
      default: return fallback;
    }
  }
  uint64_t as_uint(uint64_t fallback = 0) const {
    return type_ == Type::Uint ? num_.u : type_ == Type::Int ? static_cast<uint64_t>(num_.i) : fallback;
  }
  double as_double(double fallback = 0) const {
    switch (type_) {
      case Type::Int: return static_cast<double>(num_.i);
      case Type::Uint: return static_cast<double>(num_.u);
      case Type::Double: return num_.d;
      default: return fallback;
    }
  }
  // Strings and binaries share storage; both read as bytes.
  const std::string& as_string() const { return str_; }
  std::string& as_string() { return str_; }
  const Array& as_array() const { return arr_; }
  Array& as_array() { return arr_; }
  const Map& as_map() const { return map_; }
  Map& as_map() { return map_; }

  size_t size() const { return type_ == Type::Array ? arr_.size() : type_ == Type::Map ? map_.size() : 0; }

  // Map lookup; a missing key (or a non-map) reads as nil.
  const Value* find(std::string_view key) const {
    if (type_ != Type::Map) return nullptr;
    for (const auto& m : map_)
      if (m.first == key) return &m.second;
    return nullptr;
  }
  const Value& operator[](std::string_view key) const {
    const Value* v = find(key);
    return v ? *v : nil_value();
  }
  const Value& operator[](size_t i) const { return type_ == Type::Array && i < arr_.size() ? arr_[i] : nil_value(); }

  // Sets a key (turning nil into a map); replaces an existing key.
  Value& set(std::string_view key, Value v) {
    if (type_ != Type::Map) *this = Value(Map{});
    for (auto& m : map_)
      if (m.first == key) return m.second = std::move(v);
    map_.emplace_back(std::string(key), std::move(v));
    return map_.back().second;
  }
  Value& push(Value v) {
    if (type_ != Type::Array) *this = Value(Array{});
    arr_.push_back(std::move(v));
    return arr_.back();
  }

  bool operator==(const Value& o) const {
    if (is_int() && o.is_int() && type_ != o.type_)  // 1 read from the wire is a uint
      return (type_ == Type::Int ? num_.i >= 0 : o.num_.i >= 0) && num_.u == o.num_.u;
    if (type_ != o.type_) return false;
    switch (type_) {
      case Type::Nil: return true;
      case Type::Bool: return num_.b == o.num_.b;
      case Type::Int: return num_.i == o.num_.i;
      case Type::Uint: return num_.u == o.num_.u;
      case Type::Double: return num_.d == o.num_.d;
      case Type::String:
      case Type::Binary: return str_ == o.str_;
      case Type::Array: return arr_ == o.arr_;
      case Type::Map: return map_ == o.map_;
    }
    return false;
  }

 private:
  static const Value& nil_value() {
    // Never destroyed: a command module runs its destructors after main(), before events.
    static const Value* nil = new Value();
    return *nil;
  }

  Type type_ = Type::Nil;
  union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
  } num_{};
  std::string str_;
  Array arr_;
  Map map_;
};

}  // namespace edge
