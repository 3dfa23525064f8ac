#include "compiler.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "aot_abi.h"
#include "edge/core/image.hpp"
#include "edge/core/subprocess.hpp"
#include "compile_worker.hpp"

namespace edge::node::aot {
namespace fs = std::filesystem;
namespace {

// Bump when glue.cpp or the compile command changes in a way EDGE_AOT_ABI does not capture.
constexpr int kGlueVersion = 6;  // 5: the initial-memory image; 6: the function table (backtraces)

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_flags(const std::string& flags) {
  std::vector<std::string> out;
  std::stringstream ss(flags);
  std::string f;
  while (ss >> f) out.push_back(f);
  return out;
}

// ".build-<key>-<pid>-<random>": the pid of the node that made it.
pid_t builder_pid(const std::string& name) {
  auto end = name.rfind('-');
  auto start = end == std::string::npos ? std::string::npos : name.rfind('-', end - 1);
  if (start == std::string::npos) return 0;
  return pid_t(std::strtol(name.substr(start + 1, end - start - 1).c_str(), nullptr, 10));
}

// What the worker's exit says, as the error the module's log and the container list show.
Error worker_failure(int status, const fs::path& log, const CompileBudget& budget) {
  const std::string cpu = fmt::format("{} s of CPU (edge-node --compile-cpu-seconds)", budget.cpu.count());
  const std::string memory = fmt::format("{} MiB of memory (edge-node --compile-memory-mb)", budget.memory_mb);
  const std::string stays = "the module stays on the interpreter";
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGXCPU || sig == SIGKILL) return make_error("the compile ran out of its budget of " + cpu, stays);
    return make_error(fmt::format("the compile worker was killed by signal {}", sig), stays);
  }
  std::string out = read_all(log);
  if (out.size() > 2000) out = out.substr(0, 2000) + "...";
  switch (WEXITSTATUS(status)) {
    case worker::kOutOfCpu: return make_error("the compile ran out of its budget of " + cpu, stays);
    case worker::kOutOfMemory: return make_error("the compile ran out of its budget of " + memory, stays);
    case worker::kBadModule: return make_error("wasm2c cannot translate the module: " + out, stays);
    default:
      return make_error(fmt::format("the C compiler failed on the translated module: {}", out),
                        stays + "; report this with the module");
  }
}

}  // namespace

Compiler::Compiler(fs::path cache_dir, std::string cc, std::string cflags, fs::path worker, CompileBudget budget)
    : cache_dir_(std::move(cache_dir)),
      worker_(std::move(worker)),
      cc_(std::move(cc)),
      cflags_(std::move(cflags)),
      budget_(budget) {
  // The compiler's identity: its version line (a compiler upgrade recompiles everything).
  std::error_code ec;
  fs::create_directories(cache_dir_, ec);
  fs::permissions(cache_dir_, fs::perms::owner_all, ec);  // others must not plant a .so the node would load
  fs::path log = cache_dir_ / fmt::format(".cc-version-{}", getpid());
  std::string version;
  if (auto ran = run_logged({cc_, "--version"}, log); ran && *ran == 0) {
    version = read_all(log);
    version = version.substr(0, version.find('\n'));
  }
  fs::remove(log, ec);
  remove_leftovers();
  prune_cache({});
  fingerprint_ = fmt::format("cc={} | {} | flags={} | abi={} | glue={} | wabt=1.0.32", cc_, version, cflags_,
                             EDGE_AOT_ABI, kGlueVersion);
}

// Build folders and half-published files of a node that died while compiling (its pid is gone).
void Compiler::remove_leftovers() {
  std::error_code ec;
  for (auto it = fs::directory_iterator(cache_dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool build = name.starts_with(".build-");
    const auto tmp = name.find(".so.tmp-");
    if (!build && tmp == std::string::npos) continue;
    const pid_t pid = build ? builder_pid(name) : pid_t(std::strtol(name.c_str() + tmp + 8, nullptr, 10));
    if (pid > 0 && pid != getpid() && ::kill(pid, 0) == 0) continue;  // another node, compiling now
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);
  }
}

// Least recently used first (a load touches its entry), down to the size cap; `keep` stays.
void Compiler::prune_cache(const fs::path& keep) {
  struct Entry {
    fs::path path;
    fs::file_time_type used;
    uintmax_t size;
  };
  std::vector<Entry> entries;
  uintmax_t total = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(cache_dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".so" || it->path().filename().string().starts_with(".")) continue;
    std::error_code e;
    Entry entry{it->path(), fs::last_write_time(it->path(), e), fs::file_size(it->path(), e)};
    if (e) continue;
    total += entry.size;
    entries.push_back(std::move(entry));
  }
  if (total <= budget_.max_cache_bytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& entry : entries) {
    if (total <= budget_.max_cache_bytes) break;
    if (entry.path == keep) continue;
    std::error_code e;
    // A node that has it loaded keeps its mapping: removing the name costs it nothing.
    if (fs::remove(entry.path, e)) total -= entry.size;
  }
}

void Compiler::abandon() {
  {
    std::lock_guard lock(mu_);
    abandoned_ = true;
  }
  abandoned_cv_.notify_all();
}

fs::path Compiler::cache_path(std::span<const uint8_t> wasm) const {
  const std::string key = sha256_hex(sha256_hex(wasm) + "\n" + fingerprint_).substr(0, 32);
  return cache_dir_ / (key + ".so");
}

std::optional<Compiler::Artifact> Compiler::cached(std::span<const uint8_t> wasm) {
  return cached_at(cache_path(wasm));
}

std::optional<Compiler::Artifact> Compiler::cached_at(const fs::path& shared_object) {
  std::error_code ec;
  if (!fs::exists(shared_object, ec)) return std::nullopt;
  fs::last_write_time(shared_object, fs::file_time_type::clock::now(), ec);  // recently used
  Artifact art;
  art.shared_object = shared_object;
  art.from_cache = true;
  return art;
}

Result<Compiler::Artifact> Compiler::compile(std::span<const uint8_t> wasm) {
  Artifact art;
  art.shared_object = cache_path(wasm);  // the module is hashed once
  if (auto cached = cached_at(art.shared_object)) return *cached;
  const std::string key = art.shared_object.stem().string();
  std::error_code ec;
  if (wasm.size() > budget_.max_module_bytes)
    return make_error(fmt::format("the module is {:.1f} MiB, over the compiled tier's {} MiB "
                                  "(edge-node --compile-max-module-mb)",
                                  double(wasm.size()) / (1 << 20), budget_.max_module_bytes >> 20),
                      "the module stays on the interpreter");
  {
    std::lock_guard lock(mu_);
    if (abandoned_) return make_error("not compiled: the node is stopping");
  }
  fs::create_directories(cache_dir_, ec);
  if (ec) return make_error(fmt::format("cannot create the AOT cache {}: {}", cache_dir_.string(), ec.message()));

  std::random_device rd;
  fs::path work = cache_dir_ / fmt::format(".build-{}-{}-{:08x}", key, getpid(), rd());
  fs::create_directories(work, ec);
  if (ec) return make_error("cannot create " + work.string() + ": " + ec.message());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{work};
  {
    std::ofstream out(work / worker::kModule, std::ios::binary);
    out.write(reinterpret_cast<const char*>(wasm.data()), std::streamsize(wasm.size()));
    if (!out) return make_error("cannot write " + (work / worker::kModule).string());
  }

  std::vector<std::string> argv = {worker_.string(), work.string(), std::to_string(budget_.cpu.count()),
                                   std::to_string(budget_.memory_mb), cc_};
  for (auto& f : split_flags(cflags_)) argv.push_back(f);
  const fs::path log = work / "worker.log";
  auto spawned = spawn(argv, {.output_file = log, .own_group = true});
  if (!spawned) return make_error("cannot start the compile worker " + worker_.string(), "reinstall edge-node");
  const pid_t pid = *spawned;

  // Wait for it, its wall-clock budget, or abandon(): whichever comes first. Killing its process
  // group ends the C compiler with it.
  // A compile at low priority on a busy machine gets less than a core: twice its CPU time.
  const auto wall = budget_.cpu * 2 + std::chrono::seconds(10);
  const auto deadline = std::chrono::steady_clock::now() + wall;
  int status = 0;
  std::optional<Error> stopped;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    std::unique_lock lock(mu_);
    abandoned_cv_.wait_for(lock, std::chrono::milliseconds(10));
    if (abandoned_ || std::chrono::steady_clock::now() > deadline) {
      stopped = abandoned_ ? make_error("not compiled: the node is stopping")
                           : make_error(fmt::format("the compile took longer than {} s (twice its CPU budget, "
                                                    "edge-node --compile-cpu-seconds, and 10 s)",
                                                    wall.count()),
                                        "the module stays on the interpreter");
      lock.unlock();
      ::kill(-pid, SIGKILL);
      wait_for_child(pid);
      break;
    }
  }
  if (stopped) return *stopped;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != worker::kDone) return worker_failure(status, log, budget_);
  std::istringstream(read_all(work / worker::kTimings)) >> art.translate_ms >> art.compile_ms;

  // Atomic publication: rename within the same directory.
  fs::path tmp_final = cache_dir_ / fmt::format(".{}.so.tmp-{}", key, getpid());
  fs::rename(work / worker::kSharedObject, tmp_final, ec);
  if (!ec) fs::rename(tmp_final, art.shared_object, ec);
  if (ec) return make_error("cannot store the compiled module in " + cache_dir_.string() + ": " + ec.message());
  prune_cache(art.shared_object);
  return art;
}

}  // namespace edge::node::aot
