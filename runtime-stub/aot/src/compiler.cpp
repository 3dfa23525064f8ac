#include "compiler.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "aot_abi.h"
#include "edge_aot_abi_text.hpp"
#include "func_table.hpp"
#include "glue.hpp"
#include "host_imports.hpp"
#include "memory_image.hpp"
#include "translate.hpp"

extern char** environ;

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

Status write_all(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), std::streamsize(text.size()));
  if (!out) return make_error("cannot write " + p.string());
  return ok();
}

// Runs argv with stdout+stderr into `log`; returns the exit status (or -1).
int run(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // Nothing else of the node's: an inherited listening socket would outlive a killed node and
  // keep its port busy for as long as the compiler runs.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> split_flags(const std::string& flags) {
  std::vector<std::string> out;
  std::stringstream ss(flags);
  std::string f;
  while (ss >> f) out.push_back(f);
  return out;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::string sha256_hex(std::span<const uint8_t> bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

Compiler::Compiler(fs::path cache_dir, std::string cc, std::string cflags)
    : cache_dir_(std::move(cache_dir)), cc_(std::move(cc)), cflags_(std::move(cflags)) {
  // The compiler's identity: its version line (a compiler upgrade recompiles everything).
  std::error_code ec;
  fs::create_directories(cache_dir_, ec);
  fs::path log = cache_dir_ / fmt::format(".cc-version-{}", getpid());
  std::string version;
  if (run({cc_, "--version"}, log) == 0) {
    version = read_all(log);
    version = version.substr(0, version.find('\n'));
  }
  fs::remove(log, ec);
  // Leftovers of a node that died while compiling (an hour old: surely not in progress).
  for (auto it = fs::directory_iterator(cache_dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with(".build-") && name.find(".so.tmp-") == std::string::npos) continue;
    std::error_code age_ec;
    auto age = fs::file_time_type::clock::now() - fs::last_write_time(it->path(), age_ec);
    if (!age_ec && age > std::chrono::hours(1)) fs::remove_all(it->path(), age_ec);
  }
  ec.clear();
  fingerprint_ = fmt::format("cc={} | {} | flags={} | abi={} | glue={} | wabt=1.0.32", cc_, version, cflags_,
                             EDGE_AOT_ABI, kGlueVersion);
}

Result<Compiler::Artifact> Compiler::compile(std::span<const uint8_t> wasm) const {
  std::string module_digest = sha256_hex(wasm);
  std::string key_text = module_digest + "\n" + fingerprint_;
  std::string key = sha256_hex({reinterpret_cast<const uint8_t*>(key_text.data()), key_text.size()}).substr(0, 32);
  Artifact art;
  art.shared_object = cache_dir_ / (key + ".so");
  std::error_code ec;
  if (fs::exists(art.shared_object, ec)) {
    art.from_cache = true;
    return art;
  }
  fs::create_directories(cache_dir_, ec);
  if (ec) return make_error(fmt::format("cannot create the AOT cache {}: {}", cache_dir_.string(), ec.message()));

  auto t0 = std::chrono::steady_clock::now();
  auto c = translate_to_c(wasm);
  if (!c) return c.error();
  bool memory_image = rewrite_init_memories(c->c_source);
  add_function_table(c->c_source, c->imported_funcs, c->defined_funcs);
  auto glue = make_glue(c->header, host_import_slots(), memory_image);
  if (!glue) return glue.error();
  art.translate_ms = ms_since(t0);

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
  for (auto [name, text] : {std::pair{kHeaderName, std::string_view(c->header)},
                            std::pair{"module.c", std::string_view(c->c_source)},
                            std::pair{"glue.c", std::string_view(*glue)},
                            std::pair{"edge_aot_abi.h", kAotAbiHeaderText}}) {
    if (auto s = write_all(work / name, text); !s) return s.error();
  }

  t0 = std::chrono::steady_clock::now();
  fs::path tmp_so = work / "module.so";
  std::vector<std::string> argv = {cc_};
  for (auto& f : split_flags(cflags_)) argv.push_back(f);
  // -fstack-clash-protection: deep recursion always hits the stack guard (see runtime.hpp).
  // -fno-optimize-sibling-calls: gcc would turn unbounded recursion (f(n) = f(n+1) + 1) into an
  // endless loop; Wasm semantics (and the interpreter) give a stack-exhaustion trap.
  // -fvisibility=hidden: only the entry point is exported; calls inside the module are direct.
  // -fno-reorder-blocks-and-partition: a function's cold part (its trap paths!) would leave
  // the edge_wasm_text section that tells trap backtraces which function a PC is in (func_table.hpp).
  for (const char* f : {"-fPIC", "-shared", "-fvisibility=hidden", "-fstack-clash-protection",
                        "-fno-optimize-sibling-calls", "-fno-strict-aliasing", "-fno-reorder-blocks-and-partition",
                        "-w", "-I", EDGE_WASM_RT_INCLUDE_DIR})
    argv.emplace_back(f);
  argv.push_back("-I" + work.string());
  argv.push_back("-o");
  argv.push_back(tmp_so.string());
  argv.push_back((work / "module.c").string());
  argv.push_back((work / "glue.c").string());
  fs::path log = work / "cc.log";
  int rc = run(argv, log);
  art.compile_ms = ms_since(t0);
  if (rc != 0) {
    std::string out = read_all(log);
    if (out.size() > 2000) out = out.substr(0, 2000) + "...";
    return make_error(fmt::format("the C compiler failed on the translated module (exit {}): {}", rc, out),
                      "the module stays on the interpreter; report this with the module");
  }
  // Atomic publication: rename within the same directory.
  fs::path tmp_final = cache_dir_ / fmt::format(".{}.so.tmp-{}", key, getpid());
  fs::rename(tmp_so, tmp_final, ec);
  if (!ec) fs::rename(tmp_final, art.shared_object, ec);
  if (ec) return make_error("cannot store the compiled module in " + cache_dir_.string() + ": " + ec.message());
  return art;
}

}  // namespace edge::node::aot
