#include "edge/core/abi.hpp"

#include <cstdint>
#include <string>
#include <type_traits>

namespace edge::abi {
namespace {

template <class T>
constexpr ValType val_type() {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>, "ABI uses i32/i64 only");
  return std::is_same_v<T, int32_t> ? ValType::I32 : ValType::I64;
}

template <class F>
struct SigOf;
template <class R, class... Args>
struct SigOf<R(Args...)> {
  static FuncSig get() {
    FuncSig s{{val_type<Args>()...}, {}};
    if constexpr (!std::is_void_v<R>) s.results.push_back(val_type<R>());
    return s;
  }
};

#define EDGE_SIG(result, params) SigOf<result params>::get()

const std::vector<Function>& env_table() {
  static const std::vector<Function> t = {
#define EDGE_ABI_IMPORT(name, result, params) {kEnvModule, #name, EDGE_SIG(result, params)},
#include "edge/abi.def"
  };
  return t;
}

const std::vector<Function>& export_table() {
  static const std::vector<Function> t = {
#define EDGE_ABI_EXPORT(name, result, params) {{}, #name, EDGE_SIG(result, params)},
#include "edge/abi.def"
  };
  return t;
}

const std::vector<Function>& wasi_table() {
  static const std::vector<Function> t = {
#define EDGE_WASI_IMPORT(name, result, params) {kWasiModule, #name, EDGE_SIG(result, params)},
#include "edge/abi.def"
  };
  return t;
}

}  // namespace

std::string_view to_string(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
  }
  return "?";
}

std::string to_string(const FuncSig& sig) {
  auto list = [](const std::vector<ValType>& v) {
    std::string s = "(";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::string(to_string(v[i]));
    return s + ")";
  };
  std::string out = list(sig.params) + " -> ";
  if (sig.results.empty()) return out + "()";
  return out + (sig.results.size() == 1 ? std::string(to_string(sig.results[0])) : list(sig.results));
}

std::span<const Function> env_imports() { return env_table(); }
std::span<const Function> required_exports() { return export_table(); }
std::span<const Function> wasi_imports() { return wasi_table(); }

const Function* find_import(std::string_view module, std::string_view name) {
  auto table = module == kEnvModule    ? env_imports()
               : module == kWasiModule ? wasi_imports()
                                       : std::span<const Function>{};
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace edge::abi
