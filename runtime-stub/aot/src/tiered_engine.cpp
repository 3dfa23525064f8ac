// "auto": the interpreter serves from the first request; the compiled module takes over when the
// background compilation is done. A module the compile cache already holds (a restart, a
// redeploy) runs compiled at once, without the interpreter. The swap is one atomic shared_ptr
// store: a request in flight keeps the module it started on (it holds a reference), later
// requests get the compiled one, so no request fails or waits. Compilations run one at a time on
// one worker (a 2-core machine keeps a core for requests), smallest module first: a huge module
// does not hold back the small ones queued behind it. Each runs in a child process under a budget
// (compiler.hpp); one that fails or runs out of it leaves its module on the interpreter, which
// its service's log and engine_note() (GET /mcm/v1/containers) say.
//
// Debug builds (marked by `edge build --debug`, see build_marker.hpp) stay on the interpreter:
// its traps map to source file:line, which is what a debug build is for, and `edge dev`
// redeploys them on every save, where a background C compile of a multi-megabyte module would
// only compete with the next build for the CPU. `--engine aot` compiles them anyway.
#include <algorithm>
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

  void take_over(std::shared_ptr<LoadedModule> compiled, const std::string& line) {
    current_.store(std::move(compiled));
    tell(line);
  }
  void stay(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      note_ = why;
    }
    tell("stays on the interpreter: " + why);
  }

 private:
  void tell(const std::string& line) {
    std::lock_guard lock(mu_);
    if (report_) report_(line);
    else unreported_.push_back(line);
  }

  std::atomic<std::shared_ptr<LoadedModule>> current_;  // swapped once, when the compiled tier takes over
  mutable std::mutex mu_;
  std::string note_;
  std::function<void(const std::string&)> report_;
  std::vector<std::string> unreported_;  // told before report_to()
};

class TieredEngine final : public Engine {
 public:
  TieredEngine(std::unique_ptr<Engine> interpreter, const AotOptions& options)
      : interpreter_(std::move(interpreter)), log_(options.log) {
    auto aot = make_aot_engine_checked(options);
    if (aot) {
      aot_ = std::move(*aot);
      worker_ = std::thread([this] { run(); });
    } else {
      say(fmt::format("engine auto: {}; modules stay on the interpreter ({})", aot.error().message, aot.error().hint));
    }
  }
  ~TieredEngine() override {
    stop();
    if (worker_.joinable()) worker_.join();
  }
  std::string_view name() const override { return "auto"; }
  void stop() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (aot_) aot_->stop();
  }

  Result<std::shared_ptr<LoadedModule>> load(std::span<const uint8_t> wasm, const std::string& digest) override {
    const bool debug = has_debug_marker(wasm);
    // Compiled before (a restart, a redeploy, another service of the same module): no interpreter
    // in between. A restarted node then answers at compiled speed from the first request, and a
    // module costs a dlopen instead of the interpreter's parse (~7 ms for hello).
    if (aot_ && !debug)
      if (auto ready = aot_->load_ready(wasm, digest)) {
        say(fmt::format("engine auto: {} runs compiled from its first request (in the compile cache)",
                        digest.substr(0, 12)));
        return std::move(*ready);
      }
    auto first = interpreter_->load(wasm, digest);
    if (!first) return first.error();
    auto module = std::make_shared<TieredModule>(std::move(*first));
    if (aot_ && debug) {
      say(
          fmt::format("engine auto: {} is a debug build: it stays on the interpreter, whose traps name "
                      "source lines (--engine aot compiles it anyway)",
                      digest.substr(0, 12)));
    } else if (aot_) {
      std::lock_guard lock(mu_);
      jobs_.push_back({std::vector<uint8_t>(wasm.begin(), wasm.end()), digest, module});
      cv_.notify_one();
    }
    return std::shared_ptr<LoadedModule>(module);
  }

 private:
  struct Job {
    std::vector<uint8_t> wasm;
    std::string digest;
    std::weak_ptr<TieredModule> module;
  };

  void say(const std::string& line) {
    if (log_) log_(line);
  }

  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        auto smallest = std::min_element(jobs_.begin(), jobs_.end(),
                                         [](const Job& a, const Job& b) { return a.wasm.size() < b.wasm.size(); });
        job = std::move(*smallest);
        jobs_.erase(smallest);
      }
      if (job.module.expired()) continue;  // undeployed meanwhile
      auto compiled = aot_->load(job.wasm, job.digest);
      std::string id = job.digest.substr(0, 12);
      if (!compiled) {
        say(fmt::format("engine auto: {} stays on the interpreter: {}", id, compiled.error().to_string()));
        if (auto module = job.module.lock()) module->stay(compiled.error().message);
        continue;
      }
      if (auto module = job.module.lock()) {
        module->take_over(std::move(*compiled), "now runs compiled (aot)");
        say(fmt::format("engine auto: {} now runs compiled (aot)", id));
      }
    }
  }

  std::unique_ptr<Engine> interpreter_;
  std::unique_ptr<Engine> aot_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Engine> make_tiered_engine(std::unique_ptr<Engine> interpreter, const AotOptions& options) {
  return std::make_unique<TieredEngine>(std::move(interpreter), options);
}

}  // namespace edge::node
