#pragma once
// The wabt side of the interpreter engine, behind a C++17-clean interface (wabt's interp headers
// do not compile as C++20 with g++ 12; the Engine/LoadedModule side is C++20).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "edge/node/guest.hpp"

namespace edge::node::interp {

struct ParsedModule;  // wabt's ModuleDesc, parsed and validated once

Result<std::shared_ptr<const ParsedModule>> parse_module(const uint8_t* data, size_t size);

// A fresh wabt Store + Instance with every import bound to `ctx`.
Result<std::unique_ptr<GuestInstance>> instantiate(const std::shared_ptr<const ParsedModule>& module, HostContext& ctx,
                                                   const InstanceLimits& limits);

}  // namespace edge::node::interp
