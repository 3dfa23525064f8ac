#pragma once
// The host functions of abi.def as the compiled code calls them: one C-callable thunk per import
// (X-macros over sdk/include/edge/abi.def, no list written by hand), "env" first then WASI, the
// order of host_import_slots() (glue.hpp).
#include <span>

namespace edge::node::aot {

std::span<const void* const> host_import_thunks();

}  // namespace edge::node::aot
