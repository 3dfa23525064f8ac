#pragma once
// The platform's request lifecycle, engine-agnostic: a fresh instance per request, its entry
// point (_initialize for reactors, _start for commands; proc_exit(0) from _start is normal), the
// event, then every queued reply, until none is pending.
//
// The event passed to mk_module_on_event is MessagePack of
//   {"jsonrpc":"2.0","id":0,"method":"http_event","params":{
//     "context":{"info":{serviceType,apiRoot,httpPort,nodeId,clientId,...},"env":{...}},
//     "request":{"url","method","headers":{lower-case},"jsonBody":<body>}}}
// with every key present (mimik's SDK decodes strictly). All info/env/header values are strings.
#include <memory>
#include <string_view>

#include "edge/core/dwarf_lines.hpp"
#include "edge/node/engine.hpp"
#include "edge/node/guest.hpp"

namespace edge::node {

// The event message for this request (event.cpp; exposed for tests).
std::string build_event(const ServiceContext& service, const HttpRequest& request);

class RequestDriver {
 public:
  explicit RequestDriver(InstanceFactory factory) : factory_(std::move(factory)) {}
  Outcome handle(const ServiceContext& service, const HttpRequest& request) const;
  Result<int> run_command(const CommandInvocation& invocation) const;
  std::optional<ExecFailure> check_start(const ServiceContext& service) const;  // LoadedModule::check_start

 private:
  // A new instance with its initialisation run, or why there is none.
  struct Started {
    std::unique_ptr<GuestInstance> instance;
    std::optional<ExecFailure> failure;
  };
  Started start_instance(HostContext& ctx) const;  // within ctx.limits()
  Outcome handle_request(const ServiceContext& service, const HttpRequest& request) const;
  Result<int> run(const CommandInvocation& invocation) const;
  InstanceFactory factory_;
};

// The one LoadedModule every engine returns: an engine supplies only how to make an instance
// (`factory`); the request lifecycle and the source lines of trap backtraces (from `lines`, the
// module's DWARF) are the same for all. `engine_name` must outlive the module (a literal).
std::shared_ptr<LoadedModule> make_loaded_module(std::string_view engine_name, InstanceFactory factory,
                                                 DwarfLines lines);

}  // namespace edge::node
