#pragma once
// Host-side view of the serverless ABI, built from the one description in sdk/include/edge/abi.def.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edge::abi {

inline constexpr std::string_view kVersion = "2.0.0";
inline constexpr std::string_view kEnvModule = "env";
inline constexpr std::string_view kWasiModule = "wasi_snapshot_preview1";
inline constexpr std::string_view kVersionMarkerPrefix = "mk_module_abi_version_";
inline constexpr std::string_view kVersionMarker = "mk_module_abi_version_2_0_0";
inline constexpr std::string_view kMemoryExport = "memory";
inline constexpr std::string_view kReactorEntry = "_initialize";  // reactor modules
inline constexpr std::string_view kCommandEntry = "_start";       // command modules (mimik's SDK)

enum class ValType : uint8_t { I32, I64, F32, F64 };
std::string_view to_string(ValType t);

struct FuncSig {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncSig&) const = default;
};
std::string to_string(const FuncSig& sig);  // "(i32, i64) -> i32"

struct Function {
  std::string_view module;  // "env" or "wasi_snapshot_preview1"; empty for exports
  std::string_view name;
  FuncSig sig;
};

// Host functions in module "env" the guest may import.
std::span<const Function> env_imports();
// Exports every module must provide (besides memory and an entry point).
std::span<const Function> required_exports();
// wasi_snapshot_preview1 functions the node answers (implemented or ENOSYS).
std::span<const Function> wasi_imports();

// The allowed import with this module and name, or nullptr.
const Function* find_import(std::string_view module, std::string_view name);

}  // namespace edge::abi
