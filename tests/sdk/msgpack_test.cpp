// The SDK's MessagePack codec against known byte vectors (from the MessagePack spec) and
// against nlohmann::json::to_msgpack as an independent encoder.
#include <doctest/doctest.h>
#include <edge/msgpack.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using edge::Value;
namespace mp = edge::msgpack;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
    out.push_back(' ');
  }
  return out;
}
void round_trip(const Value& v, const std::string& expected) {
  CAPTURE(hex(expected));
  CHECK(hex(mp::encode(v)) == hex(expected));
  auto back = mp::decode(expected);
  REQUIRE(back.ok());
  CHECK(*back == v);
}
}  // namespace

TEST_CASE("msgpack: scalars use the shortest form") {
  round_trip(Value(), bytes({0xc0}));
  round_trip(Value(false), bytes({0xc2}));
  round_trip(Value(true), bytes({0xc3}));
  round_trip(Value(0u), bytes({0x00}));
  round_trip(Value(127u), bytes({0x7f}));
  round_trip(Value(128u), bytes({0xcc, 0x80}));
  round_trip(Value(255u), bytes({0xcc, 0xff}));
  round_trip(Value(256u), bytes({0xcd, 0x01, 0x00}));
  round_trip(Value(65536u), bytes({0xce, 0x00, 0x01, 0x00, 0x00}));
  round_trip(Value(4294967296ull), bytes({0xcf, 0, 0, 0, 1, 0, 0, 0, 0}));
  round_trip(Value(-1), bytes({0xff}));
  round_trip(Value(-32), bytes({0xe0}));
  round_trip(Value(-33), bytes({0xd0, 0xdf}));
  round_trip(Value(-128), bytes({0xd0, 0x80}));
  round_trip(Value(-129), bytes({0xd1, 0xff, 0x7f}));
  round_trip(Value(-32769), bytes({0xd2, 0xff, 0xff, 0x7f, 0xff}));
  round_trip(Value(std::numeric_limits<long long>::min()), bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  round_trip(Value(1.5), bytes({0xca, 0x3f, 0xc0, 0, 0}));  // exact in float 32
  round_trip(Value(0.1), bytes({0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}));
}

TEST_CASE("msgpack: a non-negative signed int encodes like an unsigned one") {
  CHECK(mp::encode(Value(5)) == bytes({0x05}));
  CHECK(mp::encode(Value(200)) == bytes({0xcc, 0xc8}));
  CHECK(mp::encode(Value(70000)) == bytes({0xce, 0x00, 0x01, 0x11, 0x70}));
}

TEST_CASE("msgpack: strings, binaries, arrays and maps") {
  round_trip(Value(""), bytes({0xa0}));
  round_trip(Value("abc"), bytes({0xa3, 'a', 'b', 'c'}));
  std::string s31(31, 'x'), s32(32, 'x'), s256(256, 'y');
  round_trip(Value(s31), bytes({0xbf}) + s31);
  round_trip(Value(s32), bytes({0xd9, 0x20}) + s32);
  round_trip(Value(s256), bytes({0xda, 0x01, 0x00}) + s256);
  round_trip(Value::binary("\x01\x02"), bytes({0xc4, 0x02, 0x01, 0x02}));
  round_trip(Value::array(), bytes({0x90}));
  round_trip(Value::array({1, "a", nullptr}), bytes({0x93, 0x01, 0xa1, 'a', 0xc0}));
  Value::Array sixteen(16, Value(1));
  std::string expected = bytes({0xdc, 0x00, 0x10});
  for (int i = 0; i < 16; ++i) expected.push_back(1);
  round_trip(Value(sixteen), expected);
  round_trip(Value::map(), bytes({0x80}));
  round_trip(Value::map({{"a", 1}}), bytes({0x81, 0xa1, 'a', 0x01}));
}

TEST_CASE("msgpack: 16- and 32-bit forms decode") {
  auto v = mp::decode(bytes({0xdd, 0, 0, 0, 1, 0xc3}));
  REQUIRE(v.ok());
  CHECK(*v == Value::array({true}));
  v = mp::decode(bytes({0xdf, 0, 0, 0, 1, 0xa1, 'k', 0xc2}));
  REQUIRE(v.ok());
  CHECK(*v == Value::map({{"k", false}}));
  v = mp::decode(bytes({0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));  // float64 1.5
  REQUIRE(v.ok());
  CHECK(v->as_double() == 1.5);
  v = mp::decode(bytes({0xdb, 0, 0, 0, 2, 'h', 'i'}));
  REQUIRE(v.ok());
  CHECK(v->as_string() == "hi");
}

TEST_CASE("msgpack: the JSON-RPC envelope matches nlohmann's encoder byte for byte") {
  // nlohmann orders object keys alphabetically; build ours in the same order.
  nlohmann::json j = {
      {"id", 7},
      {"jsonrpc", "2.0"},
      {"method", "response.send"},
      {"params", {"{\"ok\":true}", {{"headers", {{"content-type", "application/json"}}}, {"statusCode", 201}}}}};
  auto theirs = nlohmann::json::to_msgpack(j);
  Value ours = Value::map(
      {{"id", 7},
       {"jsonrpc", "2.0"},
       {"method", "response.send"},
       {"params",
        Value::array({"{\"ok\":true}", Value::map({{"headers", Value::map({{"content-type", "application/json"}})},
                                                   {"statusCode", 201}})})}});
  CHECK(hex(mp::encode(ours)) == hex(std::string(theirs.begin(), theirs.end())));
}

TEST_CASE("msgpack: what nlohmann encodes, we decode and re-encode identically") {
  nlohmann::json j = nlohmann::json::parse(R"({
    "a": [1, -1, 300, -300, 70000, -70000, 5000000000, -5000000000, 0.25, true, false, null],
    "b": {"nested": {"deeper": ["x", "yy", ""]}},
    "long": "0123456789012345678901234567890123456789"
  })");
  auto theirs = nlohmann::json::to_msgpack(j);
  std::string b(theirs.begin(), theirs.end());
  auto v = mp::decode(b);
  REQUIRE(v.ok());
  CHECK((*v)["b"]["nested"]["deeper"][1].as_string() == "yy");
  CHECK((*v)["a"][7].as_int() == -5000000000);
  CHECK(hex(mp::encode(*v)) == hex(b));
  // And back through nlohmann.
  auto ours = mp::encode(*v);
  CHECK(nlohmann::json::from_msgpack(std::vector<uint8_t>(ours.begin(), ours.end())) == j);
}

TEST_CASE("msgpack: bad input is an error, never a crash") {
  CHECK_FALSE(mp::decode("").ok());
  CHECK_FALSE(mp::decode(bytes({0xa5, 'a'})).ok());                     // truncated string
  CHECK_FALSE(mp::decode(bytes({0xcd, 0x01})).ok());                    // truncated uint16
  CHECK_FALSE(mp::decode(bytes({0xdd, 0xff, 0xff, 0xff, 0xff})).ok());  // huge array, no data
  CHECK_FALSE(mp::decode(bytes({0xc0, 0xc0})).ok());                    // trailing bytes
  CHECK_FALSE(mp::decode(bytes({0xc1})).ok());                          // never used
  CHECK_FALSE(mp::decode(bytes({0xd4, 0x01, 0x02})).ok());              // ext types unsupported
  CHECK_FALSE(mp::decode(bytes({0x81, 0xc0, 0x01})).ok());              // nil map key
  std::string deep(100, static_cast<char>(0x91));                       // [[[[...]]]] 100 deep
  deep.push_back(static_cast<char>(0xc0));
  auto r = mp::decode(deep);
  CHECK_FALSE(r.ok());
  CHECK(r.error().find("nesting") != std::string::npos);
}

// ---- edge::msgpack::Reader (edge/msgpack_read.hpp): reading in place ----
#include <edge/msgpack_read.hpp>

TEST_CASE("msgpack reader: every form nlohmann writes, read in place, skipped, and its bytes taken") {
  using nlohmann::json;
  const json doc = {{"s", "short"},
                    {"s8", std::string(40, 'x')},
                    {"s16", std::string(300, 'y')},
                    {"neg", -5},
                    {"i8", -100},
                    {"i16", -30000},
                    {"i32", -2000000000},
                    {"i64", std::numeric_limits<int64_t>::min()},
                    {"u8", 200},
                    {"u16", 60000},
                    {"u32", 4000000000u},
                    {"u64", std::numeric_limits<uint64_t>::max()},
                    {"d", 1.5},
                    {"f", 0.1},
                    {"b", true},
                    {"n", nullptr},
                    {"a", json::array({1, "two", json::array({3})})},
                    {"m16", json::object()}};
  json big = doc;
  for (int i = 0; i < 20; ++i) big["m16"]["k" + std::to_string(i)] = i;
  const auto bytes_vec = json::to_msgpack(big);
  const std::string bytes(bytes_vec.begin(), bytes_vec.end());

  mp::Reader r(bytes);
  uint32_t n = 0;
  REQUIRE(r.map_header(n));
  CHECK(n == big.size());
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view key;
    REQUIRE(r.string(key));
    CAPTURE(key);
    const json& expected = big[std::string(key)];
    if (expected.is_string()) {
      std::string_view s;
      REQUIRE(r.string(s));
      CHECK(s == expected.get<std::string>());
    } else if (expected.is_number_integer() && key != "u64") {
      int64_t v = 0;
      REQUIRE(r.integer(v));
      CHECK(v == expected.get<int64_t>());
    } else {
      std::string_view raw;
      REQUIRE(r.raw(raw));
      CHECK(json::from_msgpack(raw.begin(), raw.end()) == expected);  // the value's exact bytes
    }
  }
  CHECK(r.ok());
  CHECK(r.at_end());

  mp::Reader whole(bytes);
  CHECK(whole.skip());
  CHECK(whole.at_end());
}

TEST_CASE("msgpack reader: a wrong type, a truncation or a bomb fails the reader, never reads past the end") {
  mp::Reader not_a_map(bytes({0xa1, 'x'}));
  uint32_t n = 0;
  CHECK_FALSE(not_a_map.map_header(n));
  CHECK_FALSE(not_a_map.ok());
  std::string_view v;
  CHECK_FALSE(not_a_map.string(v));  // spent: later reads fail too

  const std::string truncated = bytes({0xda, 0x01, 0x00, 'a', 'b'});  // str16 of 256 bytes, 2 given
  mp::Reader t(truncated);
  CHECK_FALSE(t.string(v));

  // An array claiming 4 billion elements in 5 bytes is refused at its header.
  mp::Reader huge(bytes({0xdd, 0xff, 0xff, 0xff, 0xff}));
  CHECK_FALSE(huge.array_header(n));

  // 10,000 nested arrays: skipping stops at the depth limit instead of the native stack.
  std::string deep(10000, static_cast<char>(0x91));
  deep.push_back(static_cast<char>(0xc0));
  mp::Reader d(deep);
  CHECK_FALSE(d.skip());

  // uint64 over INT64_MAX is not an int64 but can be skipped.
  const std::string u64 = bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  mp::Reader big(u64);
  int64_t i = 0;
  CHECK_FALSE(big.integer(i));
  mp::Reader skip(u64);
  CHECK(skip.skip());
  CHECK(skip.at_end());
}
