// The opt-in JSON: parse, serialise, errors, and the bridge to edge::Value.
#include <doctest/doctest.h>
#include <edge/json.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

using edge::Json;

TEST_CASE("json: parse and dump round trip") {
  const char* text = R"({"a":1,"b":[true,false,null],"c":"x\"y\\z\n","d":-12,"e":{"f":[]},"g":{}})";
  auto j = Json::parse(text);
  REQUIRE(j.ok());
  CHECK(j->dump() == text);
  CHECK((*j)["a"].as_int() == 1);
  CHECK((*j)["b"][0].as_bool());
  CHECK((*j)["b"][2].is_null());
  CHECK((*j)["missing"].is_null());
  CHECK((*j)["c"].as_string() == "x\"y\\z\n");
}

TEST_CASE("json: numbers") {
  auto num = [](const char* t) {
    auto j = Json::parse(t);
    REQUIRE(j.ok());
    return *j;
  };
  CHECK(num("0").as_int() == 0);
  CHECK(num("-0").as_int() == 0);
  CHECK(num("123456789012345678").as_int() == 123456789012345678);
  CHECK(num("1.5").as_double() == 1.5);
  CHECK(num("-2.5e3").as_double() == -2500.0);
  CHECK(num("1E2").as_double() == 100.0);
  CHECK(num("0.1").as_double() == 0.1);
  CHECK(num("3.14").as_double() == 3.14);
  CHECK(std::fabs(num("6.02214076e23").as_double() / 6.02214076e23 - 1) < 1e-15);
  CHECK(Json(0.1).dump() == "0.1");
  CHECK(Json(3.14).dump() == "3.14");
  CHECK(Json(0.7).dump() == "0.7");
  CHECK(Json(-2.5).dump() == "-2.5");
  CHECK(Json(100.0).dump() == "100");
  CHECK(Json(1e21).dump() == "1e+21");
  CHECK(Json(1.5e-10).dump() == "1.5e-10");
  CHECK(Json(0.001).dump() == "0.001");
  CHECK(Json(123.456).dump() == "123.456");
  CHECK(Json(std::nan("")).dump() == "null");
  // What we print, nlohmann (a full parser) reads back to the same double for everyday values.
  for (double d : {0.1, 0.2, 0.3, 1.1, 2.675, 123.456, 1e-5, 6.5e7, 98.6, 1.0 / 3})
    CHECK(std::fabs(nlohmann::json::parse(Json(d).dump()).get<double>() - d) <= std::fabs(d) * 1e-15);
}

TEST_CASE("json: unicode escapes become UTF-8, control characters are escaped on output") {
  auto j = Json::parse(R"("\u00e9\u20ac\ud83d\ude00")");
  REQUIRE(j.ok());
  CHECK(j->as_string() == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  CHECK(Json(std::string("a\x01")).dump() == "\"a\\u0001\"");
}

TEST_CASE("json: errors name line and column, never crash") {
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "-", "1.", "{\"a\":1}x", "\"\\ud800\"", "[\"\x01\"]"}) {
    CAPTURE(bad);
    CHECK_FALSE(Json::parse(bad).ok());
  }
  auto r = Json::parse("{\n  \"a\": ?\n}");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "invalid JSON at line 2, column 8: unexpected character");
  std::string deep(1000, '[');
  CHECK_FALSE(Json::parse(deep).ok());
}

TEST_CASE("json: building values and the bridge to edge::Value") {
  Json o = Json::object({{"name", "kv"}, {"n", 2}});
  o.set("list", Json::array({1, "two"}));
  o.set("n", 3);
  CHECK(o.dump() == R"({"name":"kv","n":3,"list":[1,"two"]})");
  CHECK(o.erase("name"));
  CHECK(edge::to_json(edge::to_value(o)) == o);
  CHECK(nlohmann::json::parse(o.dump()) == nlohmann::json::parse(R"({"n":3,"list":[1,"two"]})"));
}
