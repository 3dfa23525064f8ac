// The real `build/bin/edge validate` on each test module: exit codes and one line per problem.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"

using namespace edge::test;

TEST_CASE("edge validate accepts a module that follows ABI 2.0.0") {
  auto r = run({edge_bin().string(), "validate", test_wasm("abi_good").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("valid (ABI 2.0.0, reactor") != std::string::npos);
}

TEST_CASE("edge validate: env.not_in_abi is one line naming the import and its caller") {
  auto r = run({edge_bin().string(), "validate", test_wasm("abi_not_in_abi").string()});
  CHECK(r.exit_code == 1);
  auto lines = lines_with(r.out, "✗");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("import env.not_in_abi") != std::string::npos);
  CHECK(lines[0].find("called from handle_request") != std::string::npos);
  CHECK(lines[0].find("fix:") != std::string::npos);
}

TEST_CASE("edge validate: a missing mk_module_on_event is one line naming the export") {
  auto r = run({edge_bin().string(), "validate", test_wasm("abi_missing_on_event").string()});
  CHECK(r.exit_code == 1);
  auto lines = lines_with(r.out, "✗");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("export mk_module_on_event") != std::string::npos);
  CHECK(lines[0].find("missing") != std::string::npos);
}

TEST_CASE("edge validate: wrong signatures and ABI 1.0.0 say what was expected and found") {
  auto wrong = run({edge_bin().string(), "validate", test_wasm("abi_wrong_signature").string()});
  CHECK(wrong.exit_code == 1);
  auto lines = lines_with(wrong.out, "✗");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("import env.mk_module_api_request: wrong signature: expected (i32, i32, i32) -> (), found (i32, "
                      "i32) -> ()") != std::string::npos);
  CHECK(lines[1].find("export mk_module_on_api_response") != std::string::npos);

  auto v1 = run({edge_bin().string(), "validate", test_wasm("abi_v1_marker").string()});
  CHECK(v1.exit_code == 1);
  CHECK(v1.out.find("export mk_module_abi_version_1_0_0: the module speaks ABI 1.0.0") != std::string::npos);
}

TEST_CASE("edge validate: not Wasm is 1 with a clear message, a missing file is a usage error") {
  auto text = run({edge_bin().string(), "validate", test_data("wasm/not_a_module.wasm").string()});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("not a WebAssembly module") != std::string::npos);

  auto truncated = run({edge_bin().string(), "validate", test_data("wasm/truncated.wasm").string()});
  CHECK(truncated.exit_code == 1);
  CHECK(truncated.out.find("not a valid WebAssembly module") != std::string::npos);

  TempDir tmp;
  auto missing = run({edge_bin().string(), "validate", (tmp / "nope.wasm").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("no such file") != std::string::npos);

  auto no_arg = run({edge_bin().string(), "validate"});
  CHECK(no_arg.exit_code == 2);
}

TEST_CASE("edge validate --json reports the same findings for CI") {
  auto r = run({edge_bin().string(), "validate", "--json", test_wasm("abi_not_in_abi").string()});
  CHECK(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["valid"] == false);
  CHECK(j["abiVersion"] == "2.0.0");
  REQUIRE(j["problems"].size() == 1);
  CHECK(j["problems"][0]["subject"] == "import env.not_in_abi");
  CHECK(j["problems"][0]["usedAt"][0]["function"] == "handle_request");
  CHECK(!j["problems"][0]["fix"].get<std::string>().empty());
  CHECK(j["imports"].size() == 2);
  CHECK(j["imports"][1]["signature"] == "(i32) -> i32");

  auto good = run({edge_bin().string(), "validate", "--json", test_wasm("abi_good").string()});
  CHECK(good.exit_code == 0);
  auto g = nlohmann::json::parse(good.out);
  CHECK(g["valid"] == true);
  CHECK(g["problems"].empty());
  CHECK(g["model"] == "reactor");

  auto bad = run({edge_bin().string(), "validate", "--json", test_data("wasm/not_a_module.wasm").string()});
  CHECK(bad.exit_code == 1);
  auto b = nlohmann::json::parse(bad.out);
  CHECK(b["valid"] == false);
  CHECK(b["abiVersion"].is_null());
  CHECK(b["problems"][0]["subject"] == "module");
}
