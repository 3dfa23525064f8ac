#include "edge/core/wasm_func_names.hpp"

#include <cxxabi.h>

#include <cstdlib>

#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/ir.h"

namespace edge {
namespace {

// C++ names arrive mangled (clang keeps the linkage name in the name section).
std::string demangle(const std::string& name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string result(out);
  std::free(out);
  return result;
}

}  // namespace

std::vector<std::string> read_wasm_func_names(const uint8_t* data, size_t size) {
  wabt::Module module;
  wabt::Errors errors;
  wabt::Features features;
  wabt::ReadBinaryOptions options(features, nullptr, /*read_debug_names=*/true, /*stop_on_first_error=*/false,
                                  /*fail_on_custom_section_error=*/false);
  std::vector<std::string> names;
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", data, size, options, &errors, &module))) return names;
  for (const wabt::Func* func : module.funcs) {
    std::string name = func->name;
    if (!name.empty() && name[0] == '$') name.erase(0, 1);
    // wabt invents "$fN"-style names only when asked to generate them; real ones may be mangled.
    names.push_back(demangle(name));
  }
  return names;
}

}  // namespace edge
