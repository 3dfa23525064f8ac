// Every template builds with the real CLI (`edge new` + `edge build`) and passes
// `edge validate`; a release `hello` stays within the 64 KB budget.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace edge::test;

namespace {
void check_template(const std::string& tmpl, const std::string& name) {
  CAPTURE(tmpl);
  TempDir dir;
  std::string why;
  fs::path wasm = build_template(tmpl, name, dir.path(), &why);
  INFO(why);
  REQUIRE_FALSE(wasm.empty());
  REQUIRE(fs::exists(wasm));
  auto v = run({edge_bin().string(), "validate", wasm.string()});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  if (tmpl == "hello") CHECK(fs::file_size(wasm) <= 64 * 1024);
}
}  // namespace

TEST_CASE("template hello builds and validates") { check_template("hello", "hello-svc"); }
TEST_CASE("template rest-kv builds and validates") { check_template("rest-kv", "kv"); }
TEST_CASE("template file-reader builds and validates") { check_template("file-reader", "logs"); }
TEST_CASE("template proxy builds and validates") { check_template("proxy", "proxy-svc"); }
