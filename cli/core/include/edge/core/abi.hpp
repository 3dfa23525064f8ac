#pragma once
// Host-side view of the serverless ABI, built from the one description in sdk/include/edge/abi.def.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edge::abi {

inline constexpr std::string_view kEnvModule = "env";
inline constexpr std::string_view kWasiModule = "wasi_snapshot_preview1";
inline constexpr std::string_view kVersionMarkerPrefix = "mk_module_abi_version_";

namespace detail {
// The version marker is the export of abi.def that starts with the prefix: read from there, so a
// new ABI version is the one edit in abi.def.
constexpr std::string_view marker_in_abi_def() {
#define EDGE_ABI_EXPORT(name, result, params) \
  if (std::string_view(#name).starts_with(kVersionMarkerPrefix)) return #name;
#include "edge/abi.def"
  return {};
}
struct VersionText {
  char text[16] = {};
  size_t size = 0;
};
constexpr VersionText version_of(std::string_view marker) {  // "mk_module_abi_version_2_0_0" -> "2.0.0"
  VersionText v;
  for (char c : marker.substr(kVersionMarkerPrefix.size())) v.text[v.size++] = c == '_' ? '.' : c;
  return v;
}
}  // namespace detail

inline constexpr std::string_view kVersionMarker = detail::marker_in_abi_def();
inline constexpr detail::VersionText kVersionText = detail::version_of(kVersionMarker);
inline constexpr std::string_view kVersion{kVersionText.text, kVersionText.size};  // "2.0.0"
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
