// `edge test` (issue 16): a project's HTTP tests run against its module on a local edge-node.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

TEST_CASE("edge test runs a template's tests on a local node, reports a failure with the service's log") {
  TempDir work;
  REQUIRE(run({edge_bin().string(), "new", "hello"}, work.path()).exit_code == 0);
  const fs::path project = work / "hello";
  auto passed = run({edge_bin().string(), "test"}, project);
  INFO(passed.out << passed.err);
  CHECK(passed.exit_code == 0);
  CHECK(passed.out.find("2 tests, 0 failed") != std::string::npos);
  CHECK(passed.err.find("greets by name") != std::string::npos);

  write_file(project / "tests" / "more.yaml", R"(- name: greets Bob
  request: GET /?name=Ann
  expect: {status: 200, body_contains: "Hello, Bob!"}
- name: wrong status
  request: GET /
  expect: {status: 201}
)");
  auto failed = run({edge_bin().string(), "test"}, project);
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find("4 tests, 2 failed") != std::string::npos);
  CHECK(failed.err.find("greets Bob (tests/more.yaml): the body does not contain `Hello, Bob!`") != std::string::npos);
  CHECK(failed.err.find("wrong status (tests/more.yaml): status 200, expected 201") != std::string::npos);
  CHECK(failed.err.find("--- the service's log ---") != std::string::npos);

  auto only = run({edge_bin().string(), "test", "--filter", "greets by"}, project);
  CHECK(only.exit_code == 0);
  CHECK(only.out.find("1 tests, 0 failed") != std::string::npos);
  auto as_json = run({edge_bin().string(), "test", "--json"}, project);
  CHECK(as_json.exit_code == 1);
  auto j = nlohmann::json::parse(as_json.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["passed"] == 2);
  CHECK(j["failed"] == 2);
  // Files in name order: more.yaml's tests come first.
  REQUIRE(j["tests"].size() == 4);
  CHECK(j["tests"][0]["name"] == "greets Bob");
  CHECK(j["tests"][0]["ok"] == false);
  CHECK(j["tests"][0]["error"].get<std::string>().find("Hello, Bob!") != std::string::npos);
  CHECK(j["tests"][2]["name"] == "greets by name");
  CHECK(j["tests"][2]["ok"] == true);

  write_file(project / "tests" / "more.yaml", "- name: typo\n  requets: GET /\n");
  auto typo = run({edge_bin().string(), "test"}, project);
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("unknown key `requets`") != std::string::npos);
  fs::remove_all(project / "tests");
  auto none = run({edge_bin().string(), "test"}, project);
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("no tests in tests/*.yaml") != std::string::npos);
}
