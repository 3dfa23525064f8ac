#include "compile/toolchain.hpp"

#include <unistd.h>

#include <cstdlib>

#include "compile/guest_flags.hpp"
#include "compile/process.hpp"

namespace edge::build {
namespace fs = std::filesystem;
namespace {

// Where Debian's packages put the wasm32 pieces (bookworm, LLVM 19).
constexpr const char* kDebianClang = "clang++-19";
constexpr const char* kDebianLlvmBin = "/usr/lib/llvm-19/bin/clang++";
constexpr const char* kDebianLibc = "/usr/lib/wasm32-wasi/libc.a";
constexpr const char* kDebianLibcHeader = "/usr/include/wasm32-wasi/stdio.h";
constexpr const char* kDebianLibcxx = "/usr/lib/wasm32-wasi/libc++.a";
constexpr const char* kDebianLibcxxHeader = "/usr/include/wasm32-wasi/c++/v1/vector";
constexpr const char* kDebianLibcxxabi = "/usr/lib/wasm32-wasi/libc++abi.a";
constexpr const char* kDebianBuiltins = "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a";
constexpr const char* kDebianLinker = "wasm-ld-19";
constexpr const char* kDebianLlvmLinker = "/usr/lib/llvm-19/bin/wasm-ld";

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

struct SdkChoice {
  fs::path dir;
  std::string origin;
};

std::optional<SdkChoice> wasi_sdk_choice(const std::optional<fs::path>& flag) {
  if (flag && !flag->empty()) return SdkChoice{*flag, "--wasi-sdk " + flag->string()};
  if (const char* env = std::getenv("WASI_SDK_PATH"); env && *env)
    return SdkChoice{env, std::string("WASI_SDK_PATH=") + env};
  return std::nullopt;
}

std::vector<Component> wasi_sdk_components(const SdkChoice& sdk) {
  auto cxx = sdk.dir / "bin" / "clang++";
  auto sysroot = sdk.dir / "share" / "wasi-sysroot";
  std::string fix = "download wasi-sdk from https://github.com/WebAssembly/wasi-sdk/releases and unpack it at " +
                    sdk.dir.string() + ", or " +
                    (sdk.origin.starts_with("--") ? "drop --wasi-sdk" : "unset WASI_SDK_PATH") +
                    " to use Debian's clang-19";
  return {
      {"compiler", file_exists(cxx) ? cxx.string() + " (" + sdk.origin + ")" : "", file_exists(cxx), true,
       file_exists(sdk.dir) ? fix : "the folder " + sdk.dir.string() + " does not exist: " + fix},
      {"sysroot", file_exists(sysroot) ? sysroot.string() : "", file_exists(sysroot), true, fix},
  };
}

std::vector<Component> debian_components() {
  auto clang = find_program(kDebianClang);
  if (!clang && file_exists(kDebianLlvmBin)) clang = fs::path(kDebianLlvmBin);
  auto linker = find_program(kDebianLinker);
  if (!linker && file_exists(kDebianLlvmLinker)) linker = fs::path(kDebianLlvmLinker);  // what clang itself uses
  auto file_component = [](std::string what, std::initializer_list<const char*> files, std::string package) {
    bool ok = true;
    for (const char* f : files) ok = ok && file_exists(f);
    return Component{std::move(what), ok ? std::string(*files.begin()) : "", ok, true, apt_install(package)};
  };
  return {
      {"compiler", clang ? clang->string() + " (Debian clang-19)" : "", clang.has_value(), true,
       apt_install("clang-19")},
      {"linker", linker ? linker->string() : "", linker.has_value(), true, apt_install("lld-19")},
      file_component("wasi-libc", {kDebianLibc, kDebianLibcHeader}, "wasi-libc"),
      file_component("libc++ (wasm32)", {kDebianLibcxx, kDebianLibcxxHeader}, "libc++-19-dev-wasm32"),
      file_component("libc++abi (wasm32)", {kDebianLibcxxabi}, "libc++abi-19-dev-wasm32"),
      file_component("compiler-rt (wasm32)", {kDebianBuiltins}, "libclang-rt-19-dev-wasm32"),
  };
}

}  // namespace

std::string apt_install(const std::string& packages) {
  return std::string(geteuid() == 0 ? "" : "sudo ") + "apt-get install -y " + packages;
}

std::vector<std::string> Toolchain::target_flags() const {
  std::vector<std::string> flags{std::string("--target=") + guest::kTarget};
  if (!sysroot.empty()) flags.push_back("--sysroot=" + sysroot.string());
  return flags;
}

std::vector<Component> toolchain_components(const std::optional<fs::path>& wasi_sdk) {
  if (auto sdk = wasi_sdk_choice(wasi_sdk)) return wasi_sdk_components(*sdk);
  return debian_components();
}

Result<Toolchain> find_toolchain(const std::optional<fs::path>& wasi_sdk) {
  auto sdk = wasi_sdk_choice(wasi_sdk);
  auto components = sdk ? wasi_sdk_components(*sdk) : debian_components();
  for (const auto& c : components)
    if (c.required && !c.ok)
      return make_error(
          "no wasm32-wasi toolchain: " + c.what + " is missing" +
              (sdk ? " in " + sdk->dir.string() : std::string(" (looked for Debian's clang-19 packages)")),
          c.fix + "  (or run ./scripts/setup.sh; `edge doctor` shows everything)");
  Toolchain t;
  if (sdk) {
    t.origin = sdk->origin;
    t.cxx = sdk->dir / "bin" / "clang++";
    t.sysroot = sdk->dir / "share" / "wasi-sysroot";
  } else {
    // Debian's clang finds wasi-libc and libc++ under /usr without --sysroot.
    t.origin = "Debian clang-19";
    auto clang = find_program(kDebianClang);
    t.cxx = clang ? *clang : fs::path(kDebianLlvmBin);
  }
  return t;
}

std::optional<fs::path> find_wasm_opt() { return find_program("wasm-opt"); }

}  // namespace edge::build
