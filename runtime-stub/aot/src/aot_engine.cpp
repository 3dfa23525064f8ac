// The AOT engine: Compiler (translate + cc + cache) -> SharedObject (dlopen) -> a LoadedModule whose
// requests run through the engine-agnostic RequestDriver on AotInstance (guest.hpp contract).
#include "edge/node/aot_engine.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "compile_worker.hpp"
#include "compiler.hpp"
#include "edge/core/abi.hpp"
#include "edge/core/dwarf_lines.hpp"
#include "edge/core/wasm_func_names.hpp"
#include "edge/node/host.hpp"
#include "edge/node/request_driver.hpp"
#include "edge/node/trace_lines.hpp"
#include "loaded_so.hpp"
#include "preinit.hpp"
#include "runtime.hpp"

namespace edge::node {
namespace fs = std::filesystem;
using namespace aot;

namespace aot {

Result<std::shared_ptr<const SharedObject>> SharedObject::open(const fs::path& path) {
  // RTLD_LOCAL: modules never see each other's symbols (they all define Z_m_*).
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return make_error(fmt::format("cannot load the compiled module {}: {}", path.string(), dlerror()));
  auto entry = reinterpret_cast<edge_aot_entry_fn>(dlsym(handle, EDGE_AOT_ENTRY));
  const edge_aot_module* module = entry ? entry(host_table()) : nullptr;
  if (!module || module->abi != EDGE_AOT_ABI) {
    dlclose(handle);
    return make_error("the compiled module " + path.string() + " was made for another node version",
                      "delete the AOT cache directory; it is rebuilt on the next load");
  }
  std::shared_ptr<SharedObject> so(new SharedObject);
  so->handle_ = handle;
  so->module_ = module;
  so->functions_ = WasmFunctionMap(*module);
  for (uint32_t i = 0; i < module->export_count; ++i)
    so->exports_.emplace(module->exports[i].name, &module->exports[i]);
  return std::shared_ptr<const SharedObject>(std::move(so));
}

SharedObject::~SharedObject() {
  if (handle_) dlclose(handle_);
}

const edge_aot_export* SharedObject::find_export(const std::string& name) const {
  auto it = exports_.find(name);
  return it == exports_.end() ? nullptr : it->second;
}

}  // namespace aot

namespace {

// Function names by index (name section, demangled): the same names the interpreter reports.
using FuncNames = std::shared_ptr<const std::vector<std::string>>;

// One instance of a compiled module, bound to one HostContext.
class AotInstance final : public GuestInstance {
 public:
  // With a snapshot, the instance starts as its module was after _initialize (preinit.hpp).
  // `quick`: the quick tier's code (tcc), whose trap backtraces follow frame pointers.
  AotInstance(std::shared_ptr<const SharedObject> so, FuncNames names, bool quick,
              std::shared_ptr<const Snapshot> snapshot = nullptr)
      : so_(std::move(so)), names_(std::move(names)), snapshot_(std::move(snapshot)), quick_(quick) {
    const auto& m = so_->module();
    // Zeroed: a trap half-way through instantiation leaves fields the free function can handle.
    storage_ = std::calloc(1, m.instance_size);
  }
  ~AotInstance() override {
    if (instantiated_) so_->module().free_instance(storage_);
    std::free(storage_);
  }

  Status instantiate(HostContext& ctx, const InstanceLimits& limits) {
    if (!storage_) return make_error(ErrorKind::Unavailable, "out of memory");
    struct Args {
      const edge_aot_module* m;
      void* inst;
      void* ctx;
    } args{&so_->module(), storage_, &ctx};
    instantiated_ = true;  // free_instance copes with a partial instance (zeroed fields)
    auto r = guarded_call(
        [](void* a) {
          auto* p = static_cast<Args*>(a);
          p->m->instantiate(p->inst, p->ctx);
        },
        &args, nullptr, ctx.deadline(), limits.max_memory_pages, quick_);  // a start function may loop
    if (r.status != GuardedResult::Status::Ok) return make_error(ErrorKind::Refused, r.message);
    memory_ = so_->module().memory ? so_->module().memory(storage_) : nullptr;
    if (snapshot_ && memory_) snapshot_->apply(memory_->data, memory_->size, storage_, so_->module());
    return ok();
  }
  bool initialised() const override { return snapshot_ && memory_; }

  const void* storage() const { return storage_; }
  MemoryView memory() override {
    if (!memory_) return {};
    return {memory_->data, memory_->size};
  }
  bool has_export(const std::string& name) const override { return so_->find_export(name) != nullptr; }

  CallResult call_export(const std::string& name, const std::vector<int64_t>& args, Deadline deadline) override {
    CallResult out;
    const edge_aot_export* e = so_->find_export(name);
    if (!e) {
      out.status = CallResult::Status::MissingExport;
      out.message = "the module has no export " + name;
      return out;
    }
    size_t n = std::strlen(e->params);
    if (args.size() != n) {
      out.status = CallResult::Status::Trap;
      out.message = fmt::format("{} takes {} arguments, got {}", name, n, args.size());
      return out;
    }
    struct Call {
      const edge_aot_export* e;
      void* inst;
      uint64_t params[16];
      uint64_t results[1];
    } call{e, storage_, {}, {0}};
    if (n > 16) {
      out.status = CallResult::Status::Trap;
      out.message = name + " has too many parameters";
      return out;
    }
    for (size_t i = 0; i < n; ++i)
      call.params[i] = e->params[i] == 'i' ? uint64_t(uint32_t(args[i])) : uint64_t(args[i]);
    auto r = guarded_call(
        [](void* a) {
          auto* c = static_cast<Call*>(a);
          c->e->invoke(c->inst, c->params, c->results);
        },
        &call, memory_, deadline, 65536, quick_);
    if (r.status == GuardedResult::Status::Timeout) {
      out.status = CallResult::Status::Timeout;
      out.message = "timeout";
      out.backtrace = so_->functions().frames(r.native_trace, r.signal_pc, *names_);  // where it was stopped
      return out;
    }
    if (r.status == GuardedResult::Status::Trap) {
      out.status = CallResult::Status::Trap;
      out.message = r.message;
      out.backtrace = so_->functions().frames(r.native_trace, r.signal_pc, *names_);
      return out;
    }
    if (e->results[0] == 'i') out.value = int64_t(int32_t(uint32_t(call.results[0])));
    else if (e->results[0] == 'I') out.value = int64_t(call.results[0]);
    return out;
  }

 private:
  std::shared_ptr<const SharedObject> so_;
  FuncNames names_;
  std::shared_ptr<const Snapshot> snapshot_;
  void* storage_ = nullptr;
  bool instantiated_ = false;
  wasm_rt_memory_t* memory_ = nullptr;
  bool quick_;
};

// Runs the module's _initialize once, in an instance of its own with every host call refused,
// and keeps what it left (preinit.hpp). An error, whose message is the reason, when instances must
// run it themselves: not a failure of the load, which goes on without a snapshot.
Result<std::shared_ptr<const Snapshot>> preinitialise(const std::shared_ptr<const SharedObject>& so,
                                                      const FuncNames& names, bool quick) {
  const auto per_instance = [](std::string why) { return make_error(ErrorKind::Refused, std::move(why)); };
  const edge_aot_module& module = so->module();
  const std::string entry(abi::kReactorEntry);
  if (!so->find_export(entry)) return per_instance("it is not a reactor (no _initialize)");
  if (so->find_export(std::string(abi::kCommandEntry))) {  // `edge-node run` calls _start on a fresh instance
    return per_instance("it is a command too (_start)");
  }
  if (!module.can_preinit)
    return per_instance("its state is more than memory and globals (a table changed by code, or a dropped segment)");
  Limits limits;
  limits.max_host_calls = 0;  // the first host call traps: its answer would be frozen into every instance
  HostContext::Setup setup;
  setup.limits = limits;
  setup.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  HostContext ctx(std::move(setup));
  AotInstance instance(so, names, quick);
  if (auto st = instance.instantiate(ctx, InstanceLimits{limits.max_memory_pages}); !st)
    return per_instance("it cannot be instantiated: " + st.error().message);
  attach_instance(ctx, &instance);
  const MemoryView before = instance.memory();
  if (!before.data) return per_instance("it exports no memory");
  const uint64_t grows = memory_grow_calls();
  const std::vector<uint8_t> fresh(before.data, before.data + before.size);
  CallResult r = instance.call_export(entry, {}, ctx.deadline());
  const MemoryView after = instance.memory();
  if (!r.ok()) {
    return per_instance(
        ctx.last_host_call() ? fmt::format("its initialisation calls the host ({})", ctx.last_host_call())
        : r.status == CallResult::Status::Timeout ? std::string("its initialisation runs longer than a second")
                                                  : "its initialisation traps: " + r.message);
  }
  // A refused grow would be frozen into every instance as much as a granted one.
  if (after.size != before.size || memory_grow_calls() != grows)
    return per_instance("its initialisation grows memory (or asks to)");
  std::vector<uint64_t> globals(module.global_count);
  module.save_globals(instance.storage(), globals.data());
  return std::shared_ptr<const Snapshot>(std::make_shared<const Snapshot>(
      std::span<const uint8_t>(fresh), std::span<const uint8_t>(after.data, after.size), std::move(globals)));
}

class AotEngine final : public Engine {
 public:
  AotEngine(AotOptions options, std::string cc, fs::path worker)
      : options_(std::move(options)),
        compiler_(options_.cache_dir, std::move(cc), options_.quick ? std::string() : options_.cflags,
                  std::move(worker),
                  CompileBudget{options_.compile_cpu, options_.compile_memory_mb, options_.max_module_bytes,
                                options_.max_cache_bytes}) {}
  std::string_view name() const override { return tier(); }
  void stop() override { compiler_.abandon(); }

  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string& digest) override {
    auto art = compiler_.compile(wasm);
    if (!art) return failed(art.error(), digest);
    auto so = SharedObject::open(art->shared_object);
    if (!so && art->from_cache) {
      // A damaged or foreign cache entry: rebuild it once.
      std::error_code ec;
      fs::remove(art->shared_object, ec);
      art = compiler_.compile(wasm);
      if (!art) return failed(art.error(), digest);
      so = SharedObject::open(art->shared_object);
    }
    if (!so) return failed(so.error(), digest);
    return serve(std::move(*so), *art, wasm, digest);
  }

  Result<std::shared_ptr<LoadedModule>> load_ready(std::span<const uint8_t> wasm, const std::string& digest) override {
    auto art = compiler_.cached(wasm);
    if (!art) return make_error(ErrorKind::NotFound, "not compiled yet");
    auto so = SharedObject::open(art->shared_object);
    if (!so) return make_error(ErrorKind::NotFound, so.error().message);  // load() rebuilds it
    return serve(std::move(*so), *art, wasm, digest);
  }

 private:
  Error failed(Error error, const std::string& digest) const {
    if (options_.on_compile) options_.on_compile({tier(), false, false, 0, digest});
    return error;
  }

  // The loaded module over an opened shared object: its function names, its pre-initialisation.
  Result<std::shared_ptr<LoadedModule>> serve(std::shared_ptr<const SharedObject> so, const Compiler::Artifact& art,
                                              std::span<const uint8_t> wasm, const std::string& digest) {
    const std::string id = digest.empty() ? art.shared_object.stem().string() : digest.substr(0, 12);
    const std::string tier(this->tier());
    if (options_.log) {
      int64_t image = so->module().memory_image_bytes();
      // How instances get their initial memory (memory_image.hpp), for operators and tests.
      std::string memory = image >= 0 ? fmt::format("initial memory from a {}-byte image", image)
                                      : std::string("initial memory by replaying data segments");
      options_.log(art.from_cache ? fmt::format("{}: {} loaded from the cache ({}); {}", tier, id,
                                                art.shared_object.string(), memory)
                                  : fmt::format("{}: {} compiled in {:.0f} ms (translate {:.0f} ms, {} {:.0f} ms); {}",
                                                tier, id, art.translate_ms + art.compile_ms, art.translate_ms,
                                                options_.quick ? "tcc" : "cc", art.compile_ms, memory));
    }
    if (options_.on_compile)
      options_.on_compile({tier, true, art.from_cache, (art.translate_ms + art.compile_ms) / 1000.0, digest});
    auto names = std::make_shared<const std::vector<std::string>>(read_wasm_func_names(wasm.data(), wasm.size()));
    auto preinit = preinitialise(so, names, options_.quick);
    std::shared_ptr<const Snapshot> snapshot = preinit ? *preinit : nullptr;
    if (options_.log) {
      options_.log(snapshot
                       ? fmt::format("{}: {} instances start pre-initialised (_initialize ran once at load: {} bytes "
                                     "of memory changed, {} globals restored)",
                                     tier, id, snapshot->changed_bytes(), snapshot->global_count())
                       : fmt::format("{}: {} initialised per instance: {}", tier, id, preinit.error().message));
    }
    // Compiled frames have no code offset: each gets its function's first line (line_is_entry).
    return make_loaded_module(
        this->tier(),  // a literal: the module keeps the view
        [so = std::move(so), names = std::move(names), snapshot = std::move(snapshot), quick = options_.quick](
            HostContext& ctx, const InstanceLimits& limits) -> Result<std::unique_ptr<GuestInstance>> {
          auto inst = std::make_unique<AotInstance>(so, names, quick, snapshot);
          if (auto st = inst->instantiate(ctx, limits); !st) return st.error();
          return std::unique_ptr<GuestInstance>(std::move(inst));
        },
        DwarfLines::read(wasm));
  }

  std::string_view tier() const { return options_.quick ? "quick" : "aot"; }

  AotOptions options_;
  Compiler compiler_;
};

// An engine that only explains why there is no compiled tier.
class NoCompilerEngine final : public Engine {
 public:
  explicit NoCompilerEngine(Error why) : why_(std::move(why)) {}
  std::string_view name() const override { return "aot"; }
  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t>, const std::string&) override { return why_; }

 private:
  Error why_;
};

bool is_executable(const fs::path& p) { return access(p.c_str(), X_OK) == 0 && !fs::is_directory(p); }

}  // namespace

fs::path find_compile_worker(const fs::path& preferred) {
  if (!preferred.empty()) return is_executable(preferred) ? preferred : fs::path();
  std::error_code ec;
  fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() / worker::kExecutable;
  if (!ec && is_executable(beside)) return beside;
  const fs::path built = EDGE_AOT_COMPILE_WORKER_IN_BUILD_TREE;  // tests and benchmarks run from the build tree
  return is_executable(built) ? built : fs::path();
}

std::string find_c_compiler(const std::string& preferred) {
  std::vector<std::string> candidates;
  if (!preferred.empty()) candidates.push_back(preferred);
  if (const char* env = std::getenv("CC"); env && *env) candidates.emplace_back(env);
  candidates.insert(candidates.end(), {"cc", "gcc", "clang"});
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/bin:/bin";
  for (const auto& c : candidates) {
    if (c.find('/') != std::string::npos) {
      if (is_executable(c)) return c;
      if (c == preferred) return {};  // an explicit path that is not there: no silent substitute
      continue;
    }
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      fs::path dir = path.substr(start, end - start);
      if (!dir.empty() && is_executable(dir / c)) return (dir / c).string();
      start = end + 1;
    }
    if (c == preferred) return {};
  }
  return {};
}

// The quick tier's compiler: tcc inside the compile worker, with its runtime folder (libtcc1.a and
// its headers), which the node carries (worker::tcc_runtime_dir()).
Result<std::string> quick_compiler() {
  if (!EDGE_HAVE_LIBTCC)
    return make_error("this edge-node was built without libtcc: no quick compiled tier",
                      "build it with Debian's libtcc-dev and tcc installed; the other tiers serve meanwhile");
  std::error_code ec;
  const fs::path runtime = worker::tcc_runtime_dir();
  if (!fs::exists(runtime / "libtcc1.a", ec))
    return make_error(fmt::format("tcc's runtime folder {} is missing: no quick compiled tier", runtime.string()),
                      "reinstall edge-node (the folder is part of it); the other tiers serve meanwhile");
  return std::string(worker::kQuickCompiler);
}

Result<std::unique_ptr<Engine>> make_aot_engine_checked(const AotOptions& options) {
  if (options.quick) {
    auto tcc = quick_compiler();
    if (!tcc) return tcc.error();
  }
  std::string cc = options.quick ? std::string(worker::kQuickCompiler) : find_c_compiler(options.cc);
  if (cc.empty())
    return make_error(options.cc.empty() ? "no C compiler found (looked for $CC, cc, gcc, clang on PATH)"
                                         : "the C compiler " + options.cc + " was not found",
                      "install gcc (apt-get install gcc) to get the compiled tier; the interpreter keeps serving");
  if (options.cache_dir.empty()) return make_error("the AOT engine needs a cache directory");
  fs::path worker = find_compile_worker(options.compile_worker);
  if (worker.empty())
    return make_error(
        fmt::format("the compile worker {} was not found next to this program",
                    options.compile_worker.empty() ? "edge-aot-compile" : options.compile_worker.string()),
        "reinstall edge-node (edge-aot-compile is installed beside it); the interpreter keeps serving");
  return std::unique_ptr<Engine>(std::make_unique<AotEngine>(options, cc, std::move(worker)));
}

std::unique_ptr<Engine> make_aot_engine(const AotOptions& options) {
  auto e = make_aot_engine_checked(options);
  if (e) return std::move(*e);
  return std::make_unique<NoCompilerEngine>(e.error());
}

}  // namespace edge::node
