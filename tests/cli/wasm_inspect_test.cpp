// edge_core's module inspection and ABI check, on modules built from tests/data/wasm/*.wat.
#include <doctest/doctest.h>

#include <algorithm>

#include "cli_test_util.hpp"
#include "edge/core/wasm_inspect.hpp"

using namespace edge;
using namespace edge::test;

namespace {
bool has_problem(const std::vector<Problem>& ps, const std::string& subject) {
  return std::any_of(ps.begin(), ps.end(), [&](const Problem& p) { return p.subject == subject; });
}
}  // namespace

TEST_CASE("inspect_module reads imports, exports, names and memory limits") {
  auto info = inspect_module(read_bytes(test_wasm("abi_good")));
  REQUIRE(info.ok());
  CHECK(info->imports.size() == 3);
  CHECK(info->imports[0].module == "env");
  CHECK(info->imports[0].name == "mk_module_api_request");
  CHECK(abi::to_string(info->imports[0].sig) == "(i32, i32, i32) -> ()");
  CHECK(info->imports[2].module == "wasi_snapshot_preview1");
  CHECK(info->abi_version == "2.0.0");
  CHECK(info->is_reactor());
  CHECK_FALSE(info->is_command());
  CHECK(info->memory_min_pages == 2u);
  CHECK(info->memory_max_pages == 16u);
  CHECK(info->function_name(3) == "initialize");  // 3 imports, then the defined functions
  CHECK(info->function_name(4) == "on_event");
  CHECK_FALSE(info->has_dwarf);
  CHECK(std::count(info->custom_sections.begin(), info->custom_sections.end(), "name") == 1);
  // on_event calls both env imports
  REQUIRE(info->callers.count(0));
  CHECK(info->callers.at(0) == std::vector<uint32_t>{4});
  CHECK(check_abi(*info).empty());
  CHECK(validate_module(read_bytes(test_wasm("abi_good"))).ok());
}

TEST_CASE("an import outside the ABI names the function that calls it") {
  auto report = validate_module(read_bytes(test_wasm("abi_not_in_abi")));
  REQUIRE(report.problems.size() == 1);
  const auto& p = report.problems[0];
  CHECK(p.subject == "import env.not_in_abi");
  REQUIRE(p.used_at.size() == 1);
  CHECK(p.used_at[0].function == "handle_request");
  auto line = p.to_string();
  CHECK(line.find("import env.not_in_abi: not part of ABI 2.0.0 (called from handle_request)") == 0);
  CHECK(line.find("fix:") != std::string::npos);
}

TEST_CASE("missing and mistyped exports, ABI 1.0.0 and foreign imports are each one problem") {
  auto missing = validate_module(read_bytes(test_wasm("abi_missing_on_event")));
  REQUIRE(missing.problems.size() == 1);
  CHECK(missing.problems[0].subject == "export mk_module_on_event");
  CHECK(missing.problems[0].message.find("(i64, i32) -> ()") != std::string::npos);

  auto wrong = validate_module(read_bytes(test_wasm("abi_wrong_signature")));
  CHECK(wrong.problems.size() == 2);
  CHECK(has_problem(wrong.problems, "import env.mk_module_api_request"));
  CHECK(has_problem(wrong.problems, "export mk_module_on_api_response"));
  for (const auto& p : wrong.problems) {
    CHECK(p.message.find("expected") != std::string::npos);
    CHECK(p.message.find("found") != std::string::npos);
  }

  auto v1 = validate_module(read_bytes(test_wasm("abi_v1_marker")));
  REQUIRE(v1.info);
  CHECK(v1.info->abi_version == "1.0.0");
  CHECK(has_problem(v1.problems, "export mk_module_abi_version_1_0_0"));
  CHECK_FALSE(has_problem(v1.problems, "export mk_module_abi_version_2_0_0"));  // one line, not two
  CHECK(has_problem(v1.problems, "import env.api_request"));

  auto foreign = validate_module(read_bytes(test_wasm("abi_foreign_imports")));
  CHECK(has_problem(foreign.problems, "import wasi_snapshot_preview1.not_a_wasi_call"));
  CHECK(has_problem(foreign.problems, "import libfoo.foo_init"));
  CHECK(has_problem(foreign.problems, "import env.memory"));
  CHECK(has_problem(foreign.problems, "export _initialize/_start"));
}

TEST_CASE("bytes that are not a module give an error, not a crash") {
  for (auto* file : {"wasm/not_a_module.wasm", "wasm/truncated.wasm"}) {
    auto report = validate_module(read_bytes(test_data(file)));
    CHECK_FALSE(report.ok());
    CHECK_FALSE(report.info.has_value());
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].subject == "module");
  }
  CHECK_FALSE(inspect_module(std::vector<uint8_t>{}).ok());
  // Every prefix of a valid module is handled cleanly: rejected, unless the cut falls exactly
  // before the trailing name section (then it is the same module without names).
  auto good = read_bytes(test_wasm("abi_good"));
  size_t accepted = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    auto report = validate_module(std::span<const uint8_t>(good.data(), n));
    if (!report.ok()) continue;
    ++accepted;
    CHECK(report.info->exports.size() == 5);
    CHECK(report.info->function_names.empty());
  }
  CHECK(accepted <= 1);
}
