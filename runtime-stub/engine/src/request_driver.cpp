// The request lifecycle over any engine (see request_driver.hpp).
#include "edge/node/request_driver.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "edge/abi_names.hpp"
#include "edge/core/abi.hpp"
#include "edge/node/host.hpp"
#include "edge/node/trace_lines.hpp"

namespace edge::node {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

ExecFailure failure(ExecFailure::Kind kind, std::string message) { return ExecFailure{kind, std::move(message)}; }

// Turns a failed guest call into the failure the server reports.
ExecFailure classify(HostContext& ctx, const CallResult& r, std::string_view during) {
  if (auto kind = ctx.abort_kind()) return failure(*kind, ctx.abort_message());
  if (r.status == CallResult::Status::Timeout) {
    ExecFailure f = failure(ExecFailure::Kind::Timeout,
                            "timeout: the request ran longer than " + std::to_string(ctx.limits().wall_time.count()) +
                                " ms (MCM.MAX_EXECUTION_TIME_SEC) in " + std::string(during));
    f.backtrace = r.backtrace;  // where the guest was stopped, if the engine can tell (the compiled tier)
    return f;
  }
  if (r.status == CallResult::Status::MissingExport) return failure(ExecFailure::Kind::BadModule, r.message);
  // Engines do not report a refused memory.grow, and guests that cannot allocate abort (a trap).
  // So a trap with memory over 3/4 of the limit is reported as memory exhaustion, naming the trap.
  MemoryView m = ctx.memory();
  uint64_t max_bytes = uint64_t(ctx.limits().max_memory_pages) * 65536;
  ExecFailure f =
      m.size > max_bytes / 4 * 3
          ? failure(ExecFailure::Kind::OutOfMemory, "out of memory: the module uses " + std::to_string(m.size >> 10) +
                                                        " KiB of its " + std::to_string(max_bytes >> 10) +
                                                        " KiB limit (EDGE_MAX_MEMORY_MB) and trapped: " + r.message +
                                                        " in " + std::string(during))
          : failure(ExecFailure::Kind::Trap, "trap: " + r.message + " in " + std::string(during));
  f.backtrace = r.backtrace;
  return f;
}

// A request's context: the service's env, storage, log and limits, a deadline from now.
HostContext::Setup request_setup(const ServiceContext& service, const HttpRequest& request) {
  HostContext::Setup setup;
  setup.mode = HostContext::Mode::Request;
  setup.limits = service.limits;
  setup.deadline = Clock::now() + service.limits.wall_time;
  setup.args = {service.name.empty() ? std::string("service") : service.name};
  setup.env = &service.env;
  setup.preopens = service.preopens;
  setup.storage = service.storage;
  setup.log = service.log;
  setup.request = &request;
  setup.node_url = service.node_url;
  setup.service_open_files = service.open_files;
  setup.observer = service.observer;
  return setup;
}

}  // namespace

// The guest's mk_module_on_api_response with `reply` in a host buffer for the call's length.
static CallResult call_on_api_response(HostContext& ctx, const PendingReply& reply) {
  const int32_t len = int32_t(reply.message.size());
  const int64_t buf = ctx.add_buffer(std::string(reply.message.begin(), reply.message.end()));
  CallResult r = ctx.instance()->call_export("mk_module_on_api_response", {reply.session, buf, len}, ctx.deadline());
  ctx.drop_buffer(buf);
  return r;
}

int32_t deliver_reply(HostContext& ctx, const PendingReply& reply) {
  CallResult r = call_on_api_response(ctx, reply);
  if (!r.ok()) {
    ExecFailure f = classify(ctx, r, "mk_module_on_api_response");
    ctx.abort(f.kind, f.message);
  }
  return int32_t(r.value.value_or(0));
}

void deliver_replies_at_once(HostContext& ctx, size_t from) {
  // Each level is a guest call inside a host call inside a guest call: bounded, so a guest that
  // answers every reply with another call cannot use up the native stack.
  constexpr int kMaxDepth = 32;
  // Most calls queue nothing (response.send): nothing to take, and no deque to make.
  if (!ctx.instance() || ctx.reply_depth() >= kMaxDepth || ctx.replies_queued() <= from) return;
  std::deque<PendingReply> now;
  ctx.take_at_once_replies(from, now);
  const HostContext::NestedDelivery nested(ctx);
  while (!now.empty()) {
    PendingReply reply = std::move(now.front());
    now.pop_front();
    const int32_t control = deliver_reply(ctx, reply);
    const size_t mark = ctx.replies_queued();
    if (reply.then) reply.then(ctx, control);
    ctx.take_at_once_replies(mark, now);  // what the continuation queued: an each_item walk's next item, its end
  }
}

// Nothing the guest does may take the node down: an unexpected host exception fails the request.
Outcome RequestDriver::handle(const ServiceContext& service, const HttpRequest& request) const {
  try {
    return handle_request(service, request);
  } catch (const std::exception& e) {
    return ExecFailure{ExecFailure::Kind::Internal, std::string("internal error: ") + e.what()};
  }
}

Result<int> RequestDriver::run_command(const CommandInvocation& invocation) const {
  try {
    return run(invocation);
  } catch (const std::exception& e) {
    return make_error(std::string("internal error: ") + e.what());
  }
}

RequestDriver::Started RequestDriver::start_instance(HostContext& ctx) const {
  std::unique_ptr<GuestInstance> instance;
  std::string why;
  try {
    auto made = factory_(ctx, InstanceLimits{ctx.limits().max_memory_pages});
    if (made) instance = std::move(*made);
    else why = made.error().message;
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!instance) return {nullptr, failure(ExecFailure::Kind::BadModule, "cannot instantiate the module: " + why)};
  attach_instance(ctx, instance.get());

  // Entry point: reactor or command. proc_exit(0) from _start is the normal end of main().
  if (instance->initialised()) return {std::move(instance), std::nullopt};
  for (std::string_view entry : {abi::kReactorEntry, abi::kCommandEntry}) {
    std::string name(entry);
    if (!instance->has_export(name)) continue;
    CallResult r = instance->call_export(name, {}, ctx.deadline());
    if (!r.ok()) {
      const auto exit_code = ctx.exit_code();
      if (exit_code && *exit_code == 0 && !ctx.abort_kind()) {
        ctx.forget_exit();
      } else if (exit_code && !ctx.abort_kind()) {
        return {nullptr, failure(ExecFailure::Kind::Trap,
                                 "the module exited with code " + std::to_string(*exit_code) + " in " + name)};
      } else {
        return {nullptr, classify(ctx, r, name)};
      }
    }
    break;
  }
  return {std::move(instance), std::nullopt};
}

std::optional<ExecFailure> RequestDriver::check_start(const ServiceContext& service) const {
  try {
    const HttpRequest no_request;
    HostContext ctx(request_setup(service, no_request));
    return start_instance(ctx).failure;
  } catch (const std::exception& e) {
    return ExecFailure{ExecFailure::Kind::Internal, std::string("internal error: ") + e.what()};
  }
}

Outcome RequestDriver::handle_request(const ServiceContext& service, const HttpRequest& request) const {
  HostContext ctx(request_setup(service, request));
  // Failures are logged by the caller (it knows the route); the driver logs only what the caller
  // cannot see: a failure after the response was already sent.
  std::optional<ExecFailure> failed;
  auto fail = [&](ExecFailure f) { failed = std::move(f); };

  auto [instance, start_failure] = start_instance(ctx);
  if (!instance) return std::move(*start_failure);

  // A guest call; nullopt when it trapped or ran out of time (then `failed` says why).
  auto call = [&](const std::string& name, std::vector<int64_t> args) -> std::optional<CallResult> {
    CallResult r = instance->call_export(name, args, ctx.deadline());
    if (r.ok()) return r;
    fail(classify(ctx, r, name));
    return std::nullopt;
  };

  std::string event = build_event(service, request);
  const int32_t event_len = int32_t(event.size());
  const int64_t ref = ctx.add_buffer(std::move(event));
  bool ok = bool(call("mk_module_on_event", {ref, event_len}));
  ctx.drop_buffer(ref);

  while (ok) {
    std::optional<PendingReply> next = ctx.next_reply();
    if (!next) break;
    PendingReply& reply = *next;
    CallResult r = call_on_api_response(ctx, reply);
    if (!r.ok()) {  // the backtrace is kept here (deliver_reply, inside a host call, cannot)
      fail(classify(ctx, r, "mk_module_on_api_response"));
      ok = false;
      break;
    }
    if (reply.then) {
      try {
        reply.then(ctx, int32_t(r.value.value_or(0)));
      } catch (const HostTrap& e) {  // e.g. a response over the size limit
        fail(failure(ctx.abort_kind().value_or(ExecFailure::Kind::Internal), e.what()));
        ok = false;
      }
    }
  }
  if (service.observer) service.observer->instance_ended(ctx.memory().size);
  if (ctx.exit_code() && !ctx.abort_kind() && failed) {
    // proc_exit inside a handler: the instance ends; a response already sent still stands.
    failed->message =
        "the module called proc_exit(" + std::to_string(*ctx.exit_code()) + ") while handling the request";
  }

  if (auto response = ctx.take_response()) {
    // The response was sent before a later failure: it stands (a real node has streamed it already).
    if (failed)
      ctx.log_line(ServiceLog::Stream::Node,
                   request.method + " " + request.url + ": failed after its response was sent: " + failed->message);
    return std::move(*response);
  }
  if (failed) return std::move(*failed);
  return failure(ExecFailure::Kind::NoResponse,
                 fmt::format("the service returned without sending a response (call {} in every path)",
                             abi::method::response_send));
}

Result<int> RequestDriver::run(const CommandInvocation& inv) const {
  Limits limits;
  limits.max_host_calls = UINT32_MAX;
  HostContext::Setup setup;
  setup.mode = HostContext::Mode::Command;
  setup.limits = limits;
  if (inv.wall_time) setup.deadline = Clock::now() + *inv.wall_time;
  setup.args = inv.args.empty() ? std::vector<std::string>{"main.wasm"} : inv.args;
  setup.env = &inv.env;
  setup.preopens = inv.preopens;
  HostContext ctx(std::move(setup));
  auto made = factory_(ctx, InstanceLimits{limits.max_memory_pages});
  if (!made) return make_error("cannot instantiate the module: " + made.error().message);
  auto instance = std::move(*made);
  attach_instance(ctx, instance.get());
  std::string entry(abi::kCommandEntry);
  if (!instance->has_export(entry))
    return make_error("the module has no _start export", "build it as a WASI command (a main function)");
  CallResult r = instance->call_export(entry, {}, ctx.deadline());
  if (auto code = ctx.exit_code()) return int(*code);
  if (r.ok()) return 0;
  if (r.status == CallResult::Status::Timeout) return make_error("timeout: the module ran out of its time limit");
  return make_error("trap: " + r.message);
}

namespace {

class DriverModule final : public LoadedModule {
 public:
  DriverModule(std::string_view engine_name, InstanceFactory factory, DwarfLines lines)
      : engine_name_(engine_name), lines_(std::move(lines)), driver_(std::move(factory)) {}
  std::string_view engine_name() const override { return engine_name_; }
  Outcome handle(const ServiceContext& service, const HttpRequest& request) override {
    Outcome out = driver_.handle(service, request);
    if (auto* f = out.failure()) annotate_source_lines(lines_, f->backtrace);
    return out;
  }
  Result<int> run_command(const CommandInvocation& invocation) override { return driver_.run_command(invocation); }
  std::optional<ExecFailure> check_start(const ServiceContext& service) override {
    auto failure = driver_.check_start(service);
    if (failure) annotate_source_lines(lines_, failure->backtrace);
    return failure;
  }

 private:
  std::string_view engine_name_;
  DwarfLines lines_;      // read once (empty without debug info)
  RequestDriver driver_;  // immutable after construction: safe to share between threads
};

}  // namespace

std::shared_ptr<LoadedModule> make_loaded_module(std::string_view engine_name, InstanceFactory factory,
                                                 DwarfLines lines) {
  return std::make_shared<DriverModule>(engine_name, std::move(factory), std::move(lines));
}

}  // namespace edge::node
