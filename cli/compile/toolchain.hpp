#pragma once
// Finding a wasm32-wasi C++ toolchain: `--wasi-sdk DIR` or WASI_SDK_PATH (an official wasi-sdk
// layout: bin/clang++, share/wasi-sysroot), else Debian's clang-19 with its wasm32 packages.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge::build {

struct Toolchain {
  std::string origin;                             // "--wasi-sdk /opt/wasi-sdk", "WASI_SDK_PATH=...", "Debian clang-19"
  std::filesystem::path cxx;                      // clang++
  std::filesystem::path sysroot;                  // empty: the compiler's built-in one (Debian: /usr)
  std::vector<std::string> target_flags() const;  // --target=wasm32-wasi [--sysroot=...]
};

// One thing the toolchain needs, found or not, with the command that installs it.
struct Component {
  std::string what;   // "compiler", "wasi-libc", ...
  std::string found;  // path (and version) when present
  bool ok = false;
  bool required = true;
  std::string fix;  // a command, e.g. "sudo apt-get install -y wasi-libc"
};

// Every component of the toolchain that would be used, in order; `doctor` prints them all.
std::vector<Component> toolchain_components(const std::optional<std::filesystem::path>& wasi_sdk);

// The toolchain `edge build` uses, or an Error naming what is missing and how to get it.
// Looks only at files (no process runs), so a no-change build stays fast.
Result<Toolchain> find_toolchain(const std::optional<std::filesystem::path>& wasi_sdk);

// binaryen's wasm-opt, optional.
std::optional<std::filesystem::path> find_wasm_opt();

// "apt-get install -y PKG", prefixed with sudo when not root.
std::string apt_install(const std::string& packages);

}  // namespace edge::build
