// Engine/LoadedModule over the wabt adapter; the lifecycle itself is the shared RequestDriver.
#include "edge/node/interp_engine.hpp"

#include "edge/core/dwarf_lines.hpp"
#include "edge/node/request_driver.hpp"
#include "edge/node/trace_lines.hpp"
#include "wabt_guest.hpp"

namespace edge::node {
namespace {

class InterpModule final : public LoadedModule {
 public:
  InterpModule(std::shared_ptr<const interp::ParsedModule> parsed, DwarfLines lines)
      : lines_(std::move(lines)),
        driver_([parsed](HostContext& ctx, const InstanceLimits& limits, std::string* error) {
          return interp::instantiate(parsed, ctx, limits, error);
        }) {}

  std::string_view engine_name() const override { return "interp"; }
  Outcome handle(const ServiceContext& service, const HttpRequest& request) override {
    Outcome out = driver_.handle(service, request);
    if (out.failure) annotate_source_lines(lines_, out.failure->backtrace);
    return out;
  }
  Result<int> run_command(const CommandInvocation& invocation) override { return driver_.run_command(invocation); }
  std::optional<ExecFailure> check_start(const ServiceContext& service) override {
    auto failure = driver_.check_start(service);
    if (failure) annotate_source_lines(lines_, failure->backtrace);
    return failure;
  }

 private:
  DwarfLines lines_;  // DWARF line table, read once (empty without debug info)
  RequestDriver driver_;  // immutable after construction: safe to share between threads
};

class InterpEngine final : public Engine {
 public:
  std::string_view name() const override { return "interp"; }
  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string&) override {
    std::string error;
    auto parsed = interp::parse_module(wasm.data(), wasm.size(), &error);
    if (!parsed) return make_error("invalid WebAssembly module: " + error, "check it with `edge validate`");
    return std::shared_ptr<LoadedModule>(std::make_shared<InterpModule>(std::move(parsed), DwarfLines::read(wasm)));
  }
};

}  // namespace

std::unique_ptr<Engine> make_interp_engine() { return std::make_unique<InterpEngine>(); }

}  // namespace edge::node
