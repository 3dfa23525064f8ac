// Headers, query strings and URL decoding.
#include <doctest/doctest.h>
#include <edge/http_types.hpp>
#include <edge/id.hpp>
#include <edge/parse.hpp>
#include <edge/time.hpp>

TEST_CASE("headers are case-insensitive, set replaces, add appends") {
  edge::Headers h;
  h.add("Content-Type", "a");
  CHECK(h.get("content-type") == "a");
  CHECK(h.has("CONTENT-TYPE"));
  h.set("content-TYPE", "b");
  CHECK(h.size() == 1);
  CHECK(h.get("Content-Type") == "b");
  h.remove("content-type");
  CHECK(h.empty());
  CHECK(h.get("x", "fallback") == "fallback");
}

TEST_CASE("query strings decode percent escapes and plus signs") {
  auto q = edge::Query::parse("a=1&b=x+y%21&flag&&c=%zz&a=2");
  CHECK(q.get("a") == "1");
  CHECK(q.all("a") == std::vector<std::string>{"1", "2"});
  CHECK(q.get("b") == "x y!");
  CHECK(q.has("flag"));
  CHECK(q.get("flag").empty());
  CHECK(q.get("c") == "%zz");  // malformed escape kept as is
  CHECK(edge::url_decode("a%2") == "a%2");
  CHECK(edge::url_encode("a b/c~") == "a%20b%2Fc~");
}

TEST_CASE("iso8601 formats UTC times") {
  CHECK(edge::time::iso8601(0) == "1970-01-01T00:00:00.000Z");
  CHECK(edge::time::iso8601(951782400123) == "2000-02-29T00:00:00.123Z");
  CHECK(edge::time::iso8601(1795478523456) == "2026-11-24T00:02:03.456Z");
}

TEST_CASE("random_id: 32 hex digits, a new one each time") {
  const std::string a = edge::random_id(), b = edge::random_id();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

TEST_CASE("parse<int>: the whole text as a number, or an error that says what was wrong") {
  CHECK(*edge::parse<int>("42") == 42);
  CHECK(*edge::parse<int>("-7") == -7);
  CHECK(*edge::parse<long long>("9000000000") == 9000000000LL);
  CHECK(edge::parse<int>("").error() == "expected a number, got nothing");
  CHECK(edge::parse<int>("12abc").error() == "`12abc` is not a whole number");
  CHECK(edge::parse<int>(" 1").error() == "` 1` is not a whole number");
  CHECK(edge::parse<int>("1.5").error() == "`1.5` is not a whole number");
  CHECK(edge::parse<int>("99999999999").error() == "`99999999999` is out of range");
  CHECK(edge::parse<unsigned>("-1").error() == "`-1` is not a whole number");
  CHECK(edge::parse<int>("x").value_or(10) == 10);
}
