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
    auto parsed = interp::parse_module(wasm.data(), wasm.size());
    if (!parsed)
      return make_error(ErrorKind::Invalid, "invalid WebAssembly module: " + parsed.error().message,
                        "check it with `edge validate`");
    return make_loaded_module(
        "interp",
        [parsed = std::move(*parsed)](HostContext& ctx, const InstanceLimits& limits) {
          return interp::instantiate(parsed, ctx, limits);
        },
        DwarfLines::read(wasm));
  }
};

}  // namespace

std::unique_ptr<Engine> make_interp_engine() { return std::make_unique<InterpEngine>(); }

}  // namespace edge::node
