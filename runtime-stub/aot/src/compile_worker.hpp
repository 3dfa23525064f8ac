#pragma once
// What the compile worker (edge-aot-compile, compile_worker_main.cpp) and the node that runs it
// (compiler.cpp) agree on: its command line, its files and its exit codes.
//
//   edge-aot-compile WORK_DIR CPU_SECONDS MEMORY_MB CC [CFLAG...]
//
// It reads WORK_DIR/module.wasm and writes WORK_DIR/module.so and WORK_DIR/timings
// ("TRANSLATE_MS COMPILE_MS"); what it and the C compiler print goes to the log the node gives it.
// CC kQuickCompiler: the quick tier, tcc linked into the worker (no C compiler is run).
#include <filesystem>
#include <system_error>

namespace edge::node::aot::worker {

// What the compiled tiers read where the node runs: include/wasm-rt.h and tcc/ (tcc's runtime), in
// lib/edge-node beside the program's bin/ folder. The node's package carries them (a device needs
// neither wabt nor tcc installed); the build tree mirrors them (runtime-stub/aot/CMakeLists.txt).
inline std::filesystem::path runtime_files_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path() / ".." / "lib" / "edge-node").lexically_normal();
}
inline std::filesystem::path wasm_rt_include_dir() { return runtime_files_dir() / "include"; }
inline std::filesystem::path tcc_runtime_dir() { return runtime_files_dir() / "tcc"; }

inline constexpr const char* kQuickCompiler = "@libtcc";

inline constexpr const char* kExecutable = "edge-aot-compile";
inline constexpr const char* kModule = "module.wasm";
inline constexpr const char* kSharedObject = "module.so";
inline constexpr const char* kTimings = "timings";

enum Exit : int {
  kDone = 0,
  kBadModule = 1,       // wasm2c's writer refused the module
  kCompilerFailed = 2,  // the C compiler failed (its output is in the log)
  kOutOfCpu = 3,        // the C compiler ran out of its CPU time
  kOutOfMemory = 4,     // the worker or the C compiler ran out of its memory
  kUsage = 64,
};

}  // namespace edge::node::aot::worker
