// edge-aot-compile: one module through the compiled tier's pipeline (wasm2c's C writer, then the
// machine's C compiler), run by the node as a child process under a budget (compiler.hpp). A
// module that makes the C writer or the C compiler take minutes or gigabytes costs this process,
// which the node can kill, never the node. The command line and exit codes: compile_worker.hpp.
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#if EDGE_HAVE_LIBTCC
#include <libtcc.h>
#endif

#include "compile_worker.hpp"
#include "edge_aot_abi_text.hpp"
#include "func_table.hpp"
#include "glue.hpp"
#include "memory_image.hpp"
#include "edge/core/subprocess.hpp"
#include "translate.hpp"

namespace fs = std::filesystem;
using namespace edge::node::aot;

namespace {

// CPU seconds and address space for this process and, inherited, for the C compiler it starts.
// Lower priority too: the node's requests come first.
void limit_self(unsigned long cpu_seconds, unsigned long memory_mb) {
  rlimit cpu{cpu_seconds, cpu_seconds + 2};  // SIGXCPU at the soft limit, SIGKILL at the hard one
  setrlimit(RLIMIT_CPU, &cpu);
  rlimit as{memory_mb << 20, memory_mb << 20};
  setrlimit(RLIMIT_AS, &as);
  rlimit core{0, 0};
  setrlimit(RLIMIT_CORE, &core);
  setpriority(PRIO_PROCESS, 0, 10);
}

// "module" -> "module.tcc.c": the quick tier's wrapper of module.c (a node without libtcc has none).
[[maybe_unused]] std::string fmt_unit(const char* unit) { return std::string(unit) + ".tcc.c"; }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_all(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), std::streamsize(text.size()));
  return bool(out);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Why the C compiler failed, from what its driver printed: out of budget, or a real failure.
worker::Exit compiler_failure(const std::string& output) {
  if (output.find("CPU time limit exceeded") != std::string::npos) return worker::kOutOfCpu;
  for (const char* oom : {"out of memory", "memory exhausted", "Cannot allocate memory"})
    if (output.find(oom) != std::string::npos) return worker::kOutOfMemory;
  return worker::kCompilerFailed;
}

// wasm -> module.h, module.c, glue.c and the ABI header in `work`. The C text can be hundreds of
// MB: it is not held while the C compiler runs.
int write_c_sources(const fs::path& work) {
  const std::string wasm_text = read_all(work / worker::kModule);
  std::span<const uint8_t> wasm(reinterpret_cast<const uint8_t*>(wasm_text.data()), wasm_text.size());
  auto c = translate_to_c(wasm);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().to_string().c_str());
    return worker::kBadModule;
  }
  bool memory_image = rewrite_init_memories(c->c_source);
  add_function_table(c->c_source, c->imported_funcs, c->defined_funcs);
  auto glue = make_glue(c->header, host_import_slots(), memory_image, c->changes_tables);
  if (!glue) {
    std::fprintf(stderr, "%s\n", glue.error().to_string().c_str());
    return worker::kBadModule;
  }
  for (auto [name, text] :
       {std::pair{kHeaderName, std::string_view(c->header)}, std::pair{"module.c", std::string_view(c->c_source)},
        std::pair{"glue.c", std::string_view(*glue)}, std::pair{"edge_aot_abi.h", kAotAbiHeaderText}}) {
    if (!write_all(work / name, text)) {
      std::fprintf(stderr, "cannot write %s\n", (work / name).c_str());
      return worker::kCompilerFailed;
    }
  }
  return worker::kDone;
}

bool write_timings(const fs::path& work, double translate_ms, double compile_ms) {
  return write_all(work / worker::kTimings, std::to_string(translate_ms) + " " + std::to_string(compile_ms));
}

#if EDGE_HAVE_LIBTCC
// What tcc lacks of what wasm2c's output and our glue use (gcc's builtins), in portable C: a
// module that counts bits gets a few more instructions, not a failed compile.
constexpr const char* kTccPrelude = R"(/* edge-aot-compile: the quick tier's additions for tcc */
static inline int edge_clz32(unsigned int x) {
  int n = 0;
  if (!(x & 0xffff0000u)) { n += 16; x <<= 16; }
  if (!(x & 0xff000000u)) { n += 8; x <<= 8; }
  if (!(x & 0xf0000000u)) { n += 4; x <<= 4; }
  if (!(x & 0xc0000000u)) { n += 2; x <<= 2; }
  if (!(x & 0x80000000u)) { n += 1; }
  return n;
}
static inline int edge_ctz32(unsigned int x) {
  int n = 0;
  if (!(x & 0xffffu)) { n += 16; x >>= 16; }
  if (!(x & 0xffu)) { n += 8; x >>= 8; }
  if (!(x & 0xfu)) { n += 4; x >>= 4; }
  if (!(x & 0x3u)) { n += 2; x >>= 2; }
  if (!(x & 0x1u)) { n += 1; }
  return n;
}
static inline int edge_popcount32(unsigned int x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return (int)((x * 0x01010101u) >> 24);
}
static inline int edge_clz64(unsigned long long x) {
  unsigned int hi = (unsigned int)(x >> 32);
  return hi ? edge_clz32(hi) : 32 + edge_clz32((unsigned int)x);
}
static inline int edge_ctz64(unsigned long long x) {
  unsigned int lo = (unsigned int)x;
  return lo ? edge_ctz32(lo) : 32 + edge_ctz32((unsigned int)(x >> 32));
}
static inline int edge_popcount64(unsigned long long x) {
  return edge_popcount32((unsigned int)x) + edge_popcount32((unsigned int)(x >> 32));
}
#define __builtin_clz(x) edge_clz32(x)
#define __builtin_clzll(x) edge_clz64(x)
#define __builtin_ctz(x) edge_ctz32(x)
#define __builtin_ctzll(x) edge_ctz64(x)
#define __builtin_popcount(x) edge_popcount32(x)
#define __builtin_popcountll(x) edge_popcount64(x)
#define __builtin_unreachable() abort()
#include <stdlib.h>
/* glibc's <sys/cdefs.h> (just included) defines __attribute__ away for compilers that are not GCC:
   tcc does take the section attribute that trap backtraces need (func_table.hpp). */
#undef __attribute__
)";

// The quick tier: the same C, compiled by tcc inside this process (same budget) into the same kind
// of shared object. Its code keeps frame pointers (tcc always does) and has no unwind tables:
// trap backtraces follow the frame pointers (runtime.cpp).
int compile_quick(const fs::path& work) {
  auto t0 = std::chrono::steady_clock::now();
  if (int rc = write_c_sources(work); rc != worker::kDone) return rc;
  const double translate_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  // Each source behind the prelude, as its own translation unit (as the C compiler gets them).
  for (const char* unit : {"module", "glue"}) {
    if (!write_all(work / fmt_unit(unit), std::string(kTccPrelude) + "#include \"" + unit + ".c\"\n")) {
      std::fprintf(stderr, "cannot write %s\n", (work / fmt_unit(unit)).c_str());
      return worker::kCompilerFailed;
    }
  }
  TCCState* tcc = tcc_new();
  if (!tcc) return worker::kOutOfMemory;
  std::string messages;
  tcc_set_error_func(tcc, &messages, [](void* out, const char* msg) {
    auto& text = *static_cast<std::string*>(out);
    if (text.size() < 4000) text.append(msg).append("\n");
  });
  tcc_set_lib_path(tcc, worker::tcc_runtime_dir().c_str());
  tcc_set_options(tcc, "-w");
  tcc_add_include_path(tcc, work.c_str());
  tcc_add_include_path(tcc, worker::wasm_rt_include_dir().c_str());
#if EDGE_AOT_BOUNDS_CHECKS
  tcc_define_symbol(tcc, "WASM_RT_MEMCHECK_SIGNAL_HANDLER", "0");
  tcc_define_symbol(tcc, "WASM_RT_USE_STACK_DEPTH_COUNT", "0");
#endif
  tcc_set_output_type(tcc, TCC_OUTPUT_DLL);
  bool ok = true;
  for (const char* unit : {"module", "glue"}) ok = ok && tcc_add_file(tcc, (work / fmt_unit(unit)).c_str()) == 0;
  ok = ok && tcc_output_file(tcc, (work / worker::kSharedObject).c_str()) == 0;
  tcc_delete(tcc);
  const double compile_ms = ms_since(t0);
  if (!ok) {
    std::fprintf(stderr, "tcc (the quick tier) failed: %s\n", messages.substr(0, 2000).c_str());
    return compiler_failure(messages);
  }
  return write_timings(work, translate_ms, compile_ms) ? worker::kDone : worker::kCompilerFailed;
}
#endif

int compile(const fs::path& work, const std::string& cc, const std::vector<std::string>& cflags) {
#if EDGE_HAVE_LIBTCC
  if (cc == worker::kQuickCompiler) return compile_quick(work);
#endif
  auto t0 = std::chrono::steady_clock::now();
  if (int rc = write_c_sources(work); rc != worker::kDone) return rc;
  const double translate_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  std::vector<std::string> argv = {cc};
  argv.insert(argv.end(), cflags.begin(), cflags.end());
  // -fstack-clash-protection: deep recursion always hits the stack guard (see runtime.hpp).
  // -fno-optimize-sibling-calls: gcc would turn unbounded recursion (f(n) = f(n+1) + 1) into an
  // endless loop; Wasm semantics (and the interpreter) give a stack-exhaustion trap.
  // -fvisibility=hidden: only the entry point is exported; calls inside the module are direct.
  // -fno-reorder-blocks-and-partition: a function's cold part (its trap paths!) would leave
  // the edge_wasm_text section that tells trap backtraces which function a PC is in (func_table.hpp).
  for (const char* f :
       {"-fPIC", "-shared", "-fvisibility=hidden", "-fstack-clash-protection", "-fno-optimize-sibling-calls",
        "-fno-strict-aliasing", "-fno-reorder-blocks-and-partition", "-w"})
    argv.emplace_back(f);
  argv.push_back("-I" + worker::wasm_rt_include_dir().string());
#if defined(__arm__)
  // Trap backtraces unwind the generated code, from a signal handler too: 32-bit ARM's C compilers
  // emit no unwind tables for C unless asked (x86-64 and AArch64 always do).
  for (const char* f : {"-funwind-tables", "-fasynchronous-unwind-tables"}) argv.emplace_back(f);
#endif
#if EDGE_AOT_BOUNDS_CHECKS
  // The node's memory has no guard region (bounded_memory.hpp): every access is checked in the
  // generated code. Stack exhaustion is still the stack guard's fault, not wasm2c's depth counter
  // (a global of the module, which concurrent instances would share).
  for (const char* f : {"-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0"})
    argv.emplace_back(f);
#endif
  argv.push_back("-I" + work.string());
  argv.push_back("-o");
  argv.push_back((work / worker::kSharedObject).string());
  argv.push_back((work / "module.c").string());
  argv.push_back((work / "glue.c").string());
  const fs::path cc_log = work / "cc.log";
  const auto ran = edge::run_logged(argv, cc_log);
  const int rc = ran ? *ran : -1;
  const double compile_ms = ms_since(t0);
  if (rc != 0) {
    std::string out = read_all(cc_log);
    std::fprintf(stderr, "the C compiler failed (exit %d): %s\n", rc, out.substr(0, 2000).c_str());
    return compiler_failure(out);
  }
  return write_timings(work, translate_ms, compile_ms) ? worker::kDone : worker::kCompilerFailed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s WORK_DIR CPU_SECONDS MEMORY_MB CC [CFLAG...]\n(run by edge-node, not by hand)\n",
                 argv[0]);
    return worker::kUsage;
  }
  limit_self(std::strtoul(argv[2], nullptr, 10), std::strtoul(argv[3], nullptr, 10));
  try {
    return compile(argv[1], argv[4], std::vector<std::string>(argv + 5, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "out of memory (the compile budget's address space)\n");
    return worker::kOutOfMemory;
  }
}
