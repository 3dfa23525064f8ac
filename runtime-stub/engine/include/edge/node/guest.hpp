#pragma once
// What an execution engine must provide to the engine-agnostic host layer, and what it gets.
//
// This header is deliberately C++17-clean (no <span>, no concepts): engine adapters such as the
// wabt interpreter must be compiled as C++17 and include it.
//
// How an engine plugs in (the whole contract):
//   1. Implement GuestInstance over one instantiated module: memory(), has_export(),
//      call_export() with a deadline.
//   2. When instantiating, resolve every import with visit_host_imports(): each host function is
//      a plain C++ function `R f(HostContext&, params...)` of int32_t/int64_t, generated from
//      sdk/include/edge/abi.def. Bind them to the engine's import mechanism with the instance's
//      HostContext. Unknown imports make instantiation fail (BadModule).
//   3. Host functions report a guest fault (bad pointer, proc_exit, host-call flood) by throwing
//      HostTrap. The engine's import thunk must catch it and turn it into its own trap (wabt:
//      return Result::Error with a Trap; wasm2c: remember it, leave the catch block, then
//      wasm_rt_trap()). Never let a C++ exception unwind through engine-generated frames.
//      The HostContext keeps why it trapped (exit code, host-call limit); the RequestDriver reads it.
//   4. Limit memory growth to InstanceLimits::max_memory_pages, honour the deadline in
//      call_export (Timeout), and make call-stack exhaustion a trap.
// Everything else (ABI 2.0.0 messages, WASI, storage, the request lifecycle) is done once in
// edge_node_runtime; see host.hpp and request_driver.hpp.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "edge/core/result.hpp"
#include "edge/node/trace_frame.hpp"

namespace edge::node {

class HostContext;

// The guest's linear memory as it is right now (it moves when it grows: fetch it per access).
struct MemoryView {
  uint8_t* data = nullptr;
  uint64_t size = 0;
};

// Thrown by host functions to trap the guest. Engines catch it in their import thunks.
class HostTrap : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

struct CallResult {
  enum class Status { Ok, Trap, Timeout, MissingExport };
  Status status = Status::Ok;
  std::optional<int64_t> value;       // the single result, if the function has one (i32 sign-extended)
  std::string message;                // trap text from the engine
  std::vector<TraceFrame> backtrace;  // on a trap, innermost frame first (empty if the engine cannot tell)
  bool ok() const { return status == Status::Ok; }
};

// One live instance of a module, bound to one HostContext.
class GuestInstance {
 public:
  virtual ~GuestInstance() = default;
  virtual MemoryView memory() = 0;
  virtual bool has_export(const std::string& name) const = 0;
  // Calls an exported function; args are converted to the function's i32/i64 parameter types.
  virtual CallResult call_export(const std::string& name, const std::vector<int64_t>& args, Deadline deadline) = 0;
  // True when the instance starts from a snapshot taken after its module's _initialize ran
  // (pre-initialisation): the driver then does not run it again.
  virtual bool initialised() const { return false; }
};

struct InstanceLimits {
  uint32_t max_memory_pages = 4096;
};

// Creates a fresh instance whose imports are bound to `ctx`, or says why it cannot.
using InstanceFactory = std::function<Result<std::unique_ptr<GuestInstance>>(HostContext& ctx, const InstanceLimits&)>;

// The host functions, one per import of abi.def, each taking the HostContext first.
#define EDGE_HOST_PARAMS(...) (HostContext & ctx __VA_OPT__(, ) __VA_ARGS__)
namespace host_env {
#define EDGE_ABI_IMPORT(name, result, params) result name EDGE_HOST_PARAMS params;
#include "edge/abi.def"
}  // namespace host_env
namespace host_wasi {
#define EDGE_WASI_IMPORT(name, result, params) result name EDGE_HOST_PARAMS params;
#include "edge/abi.def"
}  // namespace host_wasi

// Calls visitor(module_name, import_name, function_pointer) for every host function, so an
// engine can bind them generically (the pointer's type carries the signature).
template <class Visitor>
void visit_host_imports(Visitor&& visitor) {
#define EDGE_ABI_IMPORT(name, result, params) visitor("env", #name, &host_env::name);
#define EDGE_WASI_IMPORT(name, result, params) visitor("wasi_snapshot_preview1", #name, &host_wasi::name);
#include "edge/abi.def"
}

// Lets the host layer reach the instance's memory (set by the driver right after instantiation).
void attach_instance(HostContext& ctx, GuestInstance* instance);

}  // namespace edge::node
