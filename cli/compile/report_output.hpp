#pragma once
// How validation findings are shown: one line per problem for people, JSON for CI.
// Shared by `edge build`, `edge validate` (and available to `edge inspect`).
#include <nlohmann/json.hpp>
#include <string>

#include "edge/core/wasm_inspect.hpp"

namespace edge::build {

// Prints each problem as one line to stderr ("  import env.x: ... — fix: ...").
void print_problems(const ValidationReport& report);

// {"valid", "abiVersion", "problems":[{"subject","message","fix","usedAt"}], "imports", "exports", ...}
nlohmann::json report_json(const ValidationReport& report);

}  // namespace edge::build
