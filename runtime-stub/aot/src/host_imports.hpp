#pragma once
// The host functions of abi.def as the compiled code calls them: one C-callable thunk per import
// (X-macros over sdk/include/edge/abi.def, no list written by hand), in abi.def order.
#include <span>
#include <vector>

#include "glue.hpp"

namespace edge::node::aot {

std::span<const void* const> host_import_thunks();
// The same imports with names and signatures, for generating the glue.
const std::vector<HostImportSlot>& host_import_slots();

}  // namespace edge::node::aot
