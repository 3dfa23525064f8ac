#include <doctest/doctest.h>

#include "edge/core/abi.hpp"

using namespace edge::abi;

TEST_CASE("the ABI table is built from abi.def with exact signatures") {
  const auto* req = find_import("env", "mk_module_api_request");
  REQUIRE(req != nullptr);
  CHECK(to_string(req->sig) == "(i32, i32, i32) -> ()");
  const auto* get = find_import("env", "mk_module_get_buffer");
  REQUIRE(get != nullptr);
  CHECK(to_string(get->sig) == "(i32, i64, i32) -> ()");
  CHECK(find_import("env", "not_in_abi") == nullptr);
  CHECK(find_import("other", "mk_module_api_request") == nullptr);

  bool saw_on_api_response = false;
  for (const auto& e : required_exports())
    if (e.name == "mk_module_on_api_response") {
      saw_on_api_response = true;
      CHECK(to_string(e.sig) == "(i64, i64, i32) -> i32");
    }
  CHECK(saw_on_api_response);
}

TEST_CASE("WASI preview1 signatures") {
  const auto* seek = find_import("wasi_snapshot_preview1", "fd_seek");
  REQUIRE(seek != nullptr);
  CHECK(to_string(seek->sig) == "(i32, i64, i32, i32) -> i32");
  const auto* exit_fn = find_import("wasi_snapshot_preview1", "proc_exit");
  REQUIRE(exit_fn != nullptr);
  CHECK(exit_fn->sig.results.empty());
  CHECK(wasi_imports().size() == 46);
}
