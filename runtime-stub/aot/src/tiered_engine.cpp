// Tiers: the interpreter (wabt), the quick tier (tcc, compiled in a fraction of a second) and the
// optimising tier (gcc -O2, seconds to minutes). A module serves on the quickest tier that has it
// ready, and moves up as the others finish in the background:
//  - "auto" (the default): a load waits a moment (kQuickWait) for the quick tier's compile and
//    serves on it from the first request; a compile that takes longer serves on the interpreter
//    meanwhile. The optimising tier always compiles in the background and takes over when done.
//    A module the compile cache already holds (a restart, a redeploy) starts on its best tier.
//  - "aot" (no interpreter): a load waits for the quick tier, or, when that cannot compile the
//    module, for the optimising tier itself.
// Each swap is one atomic shared_ptr store: a request in flight keeps the module it started on (it
// holds a reference), later requests get the better one, so no request fails or waits, and a tier
// never gives way to a lower one. Each tier compiles on its own worker thread, smallest module
// first, so a huge module does not hold back the small ones queued behind it, and a long optimising
// compile never holds back a quick one. Each compile runs in a child process under a budget
// (compiler.hpp); one that fails or runs out of it leaves its module where it is, which its
// service's log and engine_note() (GET /mcm/v1/containers) say.
//
// Debug builds (marked by `edge build --debug`, see build_marker.hpp) stay on the interpreter in
// "auto": its traps map to source file:line, which is what a debug build is for, and `edge dev`
// redeploys them on every save, where a background compile would only compete with the next build
// for the CPU. `--engine aot` compiles them anyway.
#include <algorithm>
#include <chrono>
#include <optional>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <atomic>

#include "edge/core/build_marker.hpp"
#include "edge/node/aot_engine.hpp"

namespace edge::node {
namespace {

// A tier's rank: a module only ever moves up.
int rank_of(std::string_view engine) { return engine == "aot" ? 2 : engine == "quick" ? 1 : 0; }

class TieredModule final : public LoadedModule {
 public:
  explicit TieredModule(std::shared_ptr<LoadedModule> first) : current_(std::move(first)) {}
  std::string_view engine_name() const override { return current_.load()->engine_name(); }
  Outcome handle(const ServiceContext& service, const HttpRequest& request) override {
    return current_.load()->handle(service, request);
  }
  Result<int> run_command(const CommandInvocation& invocation) override {
    return current_.load()->run_command(invocation);
  }
  std::optional<ExecFailure> check_start(const ServiceContext& service) override {
    return current_.load()->check_start(service);
  }
  std::string engine_note() const override {
    std::lock_guard lock(mu_);
    return note_;
  }
  void report_to(std::function<void(const std::string&)> report) override {
    std::lock_guard lock(mu_);
    report_ = std::move(report);
    for (const auto& line : unreported_) report_(line);
    unreported_.clear();
  }

  // False (and nothing changes) when `compiled` is not above the tier serving now.
  bool take_over(std::shared_ptr<LoadedModule> compiled) {
    std::lock_guard lock(swap_mu_);
    if (rank_of(compiled->engine_name()) <= rank_of(current_.load()->engine_name())) return false;
    const std::string tier(compiled->engine_name());
    current_.store(std::move(compiled));
    tell(tier == "aot" ? "now runs compiled (aot)" : "now runs compiled (quick tier; the optimising compile goes on)");
    return true;
  }
  void stay(const std::string& tier, const std::string& why) {
    const std::string where(current_.load()->engine_name() == "interp" ? "the interpreter" : "the quick compiled tier");
    {
      std::lock_guard lock(mu_);
      note_ = why;
    }
    tell(fmt::format("stays on {}: the {} tier cannot compile it: {}", where, tier, why));
  }

 private:
  void tell(const std::string& line) {
    std::lock_guard lock(mu_);
    if (report_) report_(line);
    else unreported_.push_back(line);
  }

  std::atomic<std::shared_ptr<LoadedModule>> current_;  // swapped as better tiers finish
  std::mutex swap_mu_;                                  // one swap at a time: the rank check holds
  mutable std::mutex mu_;
  std::string note_;
  std::function<void(const std::string&)> report_;
  std::vector<std::string> unreported_;  // told before report_to()
};

using Loaded = Result<std::shared_ptr<LoadedModule>>;

// One tier's compiles, on a thread of its own, smallest module first.
class CompileQueue {
 public:
  // What a compile hands back: to a load() still waiting for it, else to its module.
  struct Handoff {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Loaded> result;
    std::weak_ptr<TieredModule> module;  // set when the load stopped waiting
    bool waiting = true;
  };

  CompileQueue(std::unique_ptr<Engine> engine, std::function<void(const std::string&)> log)
      : engine_(std::move(engine)), log_(std::move(log)), thread_([this] { run(); }) {}
  ~CompileQueue() {
    stop();
    thread_.join();
  }
  Engine& engine() { return *engine_; }
  std::string_view tier() const { return engine_->name(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    engine_->stop();
  }

  std::shared_ptr<Handoff> submit(std::span<const uint8_t> wasm, const std::string& digest,
                                  std::weak_ptr<TieredModule> module = {}) {
    auto handoff = std::make_shared<Handoff>();
    if (!module.expired()) {
      handoff->module = std::move(module);
      handoff->waiting = false;
    }
    std::lock_guard lock(mu_);
    jobs_.push_back({std::vector<uint8_t>(wasm.begin(), wasm.end()), digest, handoff});
    cv_.notify_one();
    return handoff;
  }

  // Waits for `h` up to `limit` (none: for as long as the compile takes). The result, or null
  // when it is not there yet: then `module` gets it when it is.
  static std::optional<Loaded> wait(Handoff& h, std::optional<std::chrono::milliseconds> limit,
                                    const std::shared_ptr<TieredModule>& module) {
    std::unique_lock lock(h.mu);
    if (limit) h.cv.wait_for(lock, *limit, [&] { return h.result.has_value(); });
    else h.cv.wait(lock, [&] { return h.result.has_value(); });
    if (h.result) return std::move(h.result);
    h.waiting = false;
    h.module = module;
    return std::nullopt;
  }

 private:
  struct Job {
    std::vector<uint8_t> wasm;
    std::string digest;
    std::shared_ptr<Handoff> handoff;
  };

  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) break;
        auto smallest = std::min_element(jobs_.begin(), jobs_.end(),
                                         [](const Job& a, const Job& b) { return a.wasm.size() < b.wasm.size(); });
        job = std::move(*smallest);
        jobs_.erase(smallest);
      }
      {
        std::lock_guard lock(job.handoff->mu);
        if (!job.handoff->waiting && job.handoff->module.expired()) continue;  // undeployed meanwhile
      }
      Loaded compiled = engine_->load(job.wasm, job.digest);
      deliver(*job.handoff, std::move(compiled), job.digest.substr(0, 12));
    }
    // Stopping: a load still waiting gets an answer.
    std::lock_guard lock(mu_);
    for (auto& job : jobs_) deliver(*job.handoff, make_error("not compiled: the node is stopping"), "");
  }

  void deliver(Handoff& h, Loaded compiled, const std::string& id) {
    std::shared_ptr<TieredModule> module;
    {
      std::lock_guard lock(h.mu);
      if (h.waiting) {
        h.result = std::move(compiled);
        h.cv.notify_all();
        return;
      }
      module = h.module.lock();
    }
    if (!module) return;
    if (!compiled) {
      if (log_)
        log_(fmt::format("engine: {} stays where it is: the {} tier cannot compile it: {}", id, tier(),
                         compiled.error().to_string()));
      module->stay(std::string(tier()), compiled.error().message);
    } else if (module->take_over(std::move(*compiled)) && log_) {
      log_(fmt::format("engine: {} now runs compiled ({})", id, tier()));
    }
  }

  std::unique_ptr<Engine> engine_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

class TieredEngine final : public Engine {
 public:
  TieredEngine(std::unique_ptr<Engine> interpreter, const AotOptions& options)
      : interpreter_(std::move(interpreter)), log_(options.log) {
    AotOptions quick_options = options;
    quick_options.quick = true;
    // A quick compile that takes this long is not quick: it gives up and the module stays where it
    // is (a module of 100,000 functions costs wasm2c's writer minutes whatever compiles its C).
    quick_options.compile_cpu = std::min(options.compile_cpu, kQuickCpu);
    if (auto quick = make_aot_engine_checked(quick_options)) quick_.emplace(std::move(*quick), log_);
    else say(fmt::format("engine: {} ({})", quick.error().message, quick.error().hint));
    if (auto aot = make_aot_engine_checked(options)) aot_.emplace(std::move(*aot), log_);
    else
      say(fmt::format("engine: {}; modules stay on the {} ({})", aot.error().message,
                      quick_ ? "quick compiled tier" : "interpreter", aot.error().hint));
  }
  ~TieredEngine() override { stop(); }
  std::string_view name() const override { return interpreter_ ? "auto" : "aot"; }
  void stop() override {
    if (quick_) quick_->stop();
    if (aot_) aot_->stop();
  }

  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string& digest) override {
    const std::string id = digest.substr(0, 12);
    if (interpreter_ && has_debug_marker(wasm)) {
      say(
          fmt::format("engine auto: {} is a debug build: it stays on the interpreter, whose traps name "
                      "source lines (--engine aot compiles it anyway)",
                      id));
      return interpreter_->load(wasm, digest);
    }
    // Compiled before (a restart, a redeploy, another service of the same module): the best tier
    // at once. A restarted node answers at full speed from the first request.
    if (aot_)
      if (auto ready = aot_->engine().load_ready(wasm, digest)) {
        say(fmt::format("engine: {} runs compiled from its first request (aot, in the compile cache)", id));
        return std::move(*ready);
      }
    if (!quick_ && !aot_) {
      if (interpreter_) return interpreter_->load(wasm, digest);
      return make_error("no compiled tier on this node (neither libtcc nor a C compiler)",
                        "run edge-node with --engine auto, or install gcc");
    }
    std::shared_ptr<TieredModule> module;
    std::optional<Error> quick_failed;
    if (quick_) {
      auto handoff = quick_->submit(wasm, digest);
      std::shared_ptr<TieredModule> fallback;
      if (interpreter_) {
        auto first = interpreter_->load(wasm, digest);  // parsed meanwhile: the fallback costs no wait
        if (!first) return first.error();
        fallback = std::make_shared<TieredModule>(std::move(*first));
      }
      const auto limit = interpreter_ ? std::optional(kQuickWait) : std::nullopt;
      if (auto quick = CompileQueue::wait(*handoff, limit, fallback)) {
        if (*quick) {
          module = fallback ? fallback : std::make_shared<TieredModule>(std::move(**quick));
          if (fallback) module->take_over(std::move(**quick));
        } else {
          say(fmt::format("engine: {}: the quick tier cannot compile it: {}", id, quick->error().to_string()));
          quick_failed = quick->error();
          module = fallback;
          if (module) module->stay("quick", quick->error().message);
        }
      } else {
        say(fmt::format("engine: {} serves on the interpreter until its quick compile is done", id));
        module = fallback;
      }
    } else if (interpreter_) {
      auto first = interpreter_->load(wasm, digest);
      if (!first) return first.error();
      module = std::make_shared<TieredModule>(std::move(*first));
    }
    if (!module) {  // --engine aot, and the quick tier has nothing for it: wait for the optimising one
      if (!aot_) return *quick_failed;
      return aot_->engine().load(wasm, digest);
    }
    if (aot_) aot_->submit(wasm, digest, module);
    return std::shared_ptr<LoadedModule>(module);
  }

 private:
  // How long a load waits for its quick compile before the interpreter serves meanwhile: hello
  // takes ~20 ms, a 400 KB module ~300 ms, more on a loaded or a small machine.
  static constexpr std::chrono::milliseconds kQuickWait{3000};
  static constexpr std::chrono::seconds kQuickCpu{10};

  void say(const std::string& line) {
    if (log_) log_(line);
  }

  std::unique_ptr<Engine> interpreter_;  // null: --engine aot
  std::function<void(const std::string&)> log_;
  std::optional<CompileQueue> quick_, aot_;
};

}  // namespace

std::unique_ptr<Engine> make_tiered_engine(std::unique_ptr<Engine> interpreter, const AotOptions& options) {
  return std::make_unique<TieredEngine>(std::move(interpreter), options);
}

}  // namespace edge::node
