// Engine/LoadedModule over the wabt adapter; the lifecycle itself is the shared RequestDriver.
#include "edge/node/interp_engine.hpp"

#include "edge/node/request_driver.hpp"
#include "wabt_guest.hpp"

namespace edge::node {
namespace {

class InterpModule final : public LoadedModule {
 public:
  explicit InterpModule(std::shared_ptr<const interp::ParsedModule> parsed)
      : driver_([parsed](HostContext& ctx, const InstanceLimits& limits, std::string* error) {
          return interp::instantiate(parsed, ctx, limits, error);
        }) {}

  std::string_view engine_name() const override { return "interp"; }
  Outcome handle(const ServiceContext& service, const HttpRequest& request) override {
    return driver_.handle(service, request);
  }
  Result<int> run_command(const CommandInvocation& invocation) override { return driver_.run_command(invocation); }

 private:
  RequestDriver driver_;  // immutable after construction: safe to share between threads
};

class InterpEngine final : public Engine {
 public:
  std::string_view name() const override { return "interp"; }
  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string&) override {
    std::string error;
    auto parsed = interp::parse_module(wasm.data(), wasm.size(), &error);
    if (!parsed) return make_error("invalid WebAssembly module: " + error, "check it with `edge validate`");
    return std::shared_ptr<LoadedModule>(std::make_shared<InterpModule>(std::move(parsed)));
  }
};

}  // namespace

std::unique_ptr<Engine> make_interp_engine() { return std::make_unique<InterpEngine>(); }

}  // namespace edge::node
