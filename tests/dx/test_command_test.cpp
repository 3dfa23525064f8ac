// `edge test` (issue 16): a project's C++ tests (tests/*_test.cpp) run in-process under
// ServiceHost, its HTTP tests (tests/*.yaml) against its module on a local edge-node.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("every template's scaffolded tests pass: C++ in-process and HTTP on a node") {
  TempDir work;
  for (const std::string t : {"hello", "rest-kv", "file-reader", "proxy"}) {
    CAPTURE(t);
    REQUIRE(run({edge_bin().string(), "new", "svc-" + t, "--template", t}, work.path()).exit_code == 0);
    auto r = run({edge_bin().string(), "test", "--json"}, work / ("svc-" + t));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j["ok"] == true);
    CHECK(j["unit"]["passed"].get<int>() >= 3);
    CHECK(j["unit"]["failed"] == 0);
    CHECK(j["http"]["passed"].get<int>() >= 2);
    CHECK(j["http"]["failed"] == 0);
  }
}

TEST_CASE("edge test fails on a broken route: the C++ assertion, the HTTP answer, JUnit, filters") {
  TempDir work;
  REQUIRE(run({edge_bin().string(), "new", "hello"}, work.path()).exit_code == 0);
  const fs::path project = work / "hello";
  auto passed = run({edge_bin().string(), "test"}, project);
  INFO(passed.out << passed.err);
  CHECK(passed.exit_code == 0);
  CHECK(passed.out.find("5 tests passed, 0 failed") != std::string::npos);

  // Break the greeting: the C++ test names its assertion (file:line, both values), the HTTP
  // test the answer, and the service's log follows.
  const fs::path main_cpp = project / "src" / "main.cpp";
  std::string src = slurp(main_cpp);
  const auto at = src.find("greeting + \", \" + who");
  REQUIRE(at != std::string::npos);
  src.replace(at, 21, "greeting + \" \" + who");
  write_file(main_cpp, src);
  const fs::path junit = work / "results.xml";
  auto failed = run({edge_bin().string(), "test", "--junit", junit.string()}, project);
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find(
            "hello_test.cpp:15: ERROR: CHECK( body[\"message\"].as_string() == \"Hi, Ann!\" ) is NOT correct!") !=
        std::string::npos);
  CHECK(failed.out.find("values: CHECK( Hi Ann! == Hi, Ann! )") != std::string::npos);
  CHECK(failed.err.find("greets by name (tests/smoke.yaml): the body does not contain `Hello, Ann!`") !=
        std::string::npos);
  CHECK(failed.err.find("--- the service's log ---") != std::string::npos);
  CHECK(failed.out.find("2 tests passed, 3 failed") != std::string::npos);
  const std::string xml = slurp(junit);
  CHECK(xml.find("<testsuites>") != std::string::npos);
  CHECK(xml.find("name=\"greets by name with the greeting from the env, at the test's time\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"Hi Ann! == Hi, Ann!\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"http: hello-v1\" tests=\"2\" failures=\"1\"") != std::string::npos);

  auto as_json = run({edge_bin().string(), "test", "--json"}, project);
  CHECK(as_json.exit_code == 1);
  auto j = nlohmann::json::parse(as_json.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["unit"]["failed"] == 2);
  CHECK(j["http"]["failed"] == 1);
  REQUIRE(j["http"]["tests"].size() == 2);
  CHECK(j["http"]["tests"][0]["ok"] == false);
  CHECK(j["http"]["tests"][0]["error"].get<std::string>().find("Hello, Ann!") != std::string::npos);

  auto only = run({edge_bin().string(), "test", "--only", "http", "--filter", "unknown paths"}, project);
  CHECK(only.exit_code == 0);
  CHECK(only.out.find("1 tests passed, 0 failed") != std::string::npos);
  auto unit_only = run({edge_bin().string(), "test", "--only", "unit", "--filter", "unknown paths"}, project);
  CHECK(unit_only.exit_code == 0);
  CHECK(unit_only.out.find("1 tests passed, 0 failed") != std::string::npos);

  // A test that does not compile is a failure that shows the compiler's error.
  write_file(project / "tests" / "broken_test.cpp",
             "#include <doctest/doctest.h>\nTEST_CASE(\"x\") { CHECK(undeclared == 1); }\n");
  auto broken = run({edge_bin().string(), "test", "--only", "unit"}, project);
  CHECK(broken.exit_code == 1);
  CHECK(broken.out.find("undeclared") != std::string::npos);
  CHECK(broken.err.find("the C++ tests did not compile") != std::string::npos);
  fs::remove(project / "tests" / "broken_test.cpp");

  write_file(project / "tests" / "more.yaml", "- name: typo\n  requets: GET /\n");
  auto typo = run({edge_bin().string(), "test"}, project);
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("unknown key `requets`") != std::string::npos);
  fs::remove_all(project / "tests");
  auto none = run({edge_bin().string(), "test"}, project);
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("no tests: no tests/*_test.cpp and no tests/*.yaml") != std::string::npos);
}
