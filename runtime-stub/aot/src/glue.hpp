#pragma once
// The glue C file compiled into every module's shared object: wasm2c's runtime functions and
// the module's imports forwarded through the node's edge_aot_host table, one untyped invoker per
// exported function, and the entry point (see aot_abi.h).
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge::node::aot {

// One host function the node offers, at its index in edge_aot_host::imports.
struct HostImportSlot {
  std::string module, name;
  std::string params;  // "iiI": i32/i64 letters, as in aot_abi.h
  std::string result;  // "" or one letter
};

// The imports every compiled module is linked against, "env" then WASI, from abi.def (through
// edge::abi): the thunk table of host_imports.hpp is in the same order.
const std::vector<HostImportSlot>& host_import_slots();

// `header` is wasm2c's module.h for the module: its import/export comments and prototypes say
// exactly which symbols the generated code defines and needs. `memory_image`: the module's C was
// rewritten by rewrite_init_memories() (memory_image.hpp), so the glue carries the image code.
// `changes_tables`: some code changes a table (Translation::changes_tables), which rules out
// pre-initialisation (edge_aot_module::can_preinit).
Result<std::string> make_glue(const std::string& header, const std::vector<HostImportSlot>& host_imports,
                              bool memory_image, bool changes_tables);

}  // namespace edge::node::aot
