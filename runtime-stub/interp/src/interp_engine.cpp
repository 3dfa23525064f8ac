// Engine/LoadedModule over the wabt adapter; the lifecycle itself is the shared RequestDriver.
#include "edge/node/interp_engine.hpp"

#include "edge/core/dwarf_lines.hpp"
#include "edge/node/request_driver.hpp"
#include "edge/node/trace_lines.hpp"
#include "wabt_guest.hpp"

namespace edge::node {
namespace {

class InterpEngine final : public Engine {
 public:
  std::string_view name() const override { return "interp"; }
  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string&) override {
    std::string error;
    auto parsed = interp::parse_module(wasm.data(), wasm.size(), &error);
    if (!parsed) return make_error("invalid WebAssembly module: " + error, "check it with `edge validate`");
    return make_loaded_module(
        "interp",
        [parsed = std::shared_ptr<const interp::ParsedModule>(std::move(parsed))](
            HostContext& ctx, const InstanceLimits& limits, std::string* error) {
          return interp::instantiate(parsed, ctx, limits, error);
        },
        DwarfLines::read(wasm));
  }
};

}  // namespace

std::unique_ptr<Engine> make_interp_engine() { return std::make_unique<InterpEngine>(); }

}  // namespace edge::node
