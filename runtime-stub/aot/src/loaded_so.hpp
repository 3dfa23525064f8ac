#pragma once
// A compiled module's shared object, dlopen'ed: closed when the last user (module, instance) goes.
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "aot_abi.h"
#include "edge/core/result.hpp"
#include "native_trace.hpp"

namespace edge::node::aot {

class SharedObject {
 public:
  static Result<std::shared_ptr<const SharedObject>> open(const std::filesystem::path& path);
  ~SharedObject();
  const edge_aot_module& module() const { return *module_; }
  const edge_aot_export* find_export(const std::string& name) const;
  // Where the module's Wasm functions are, for trap backtraces.
  const WasmFunctionMap& functions() const { return functions_; }

 private:
  SharedObject() = default;
  void* handle_ = nullptr;
  const edge_aot_module* module_ = nullptr;
  std::map<std::string, const edge_aot_export*, std::less<>> exports_;
  WasmFunctionMap functions_;
};

}  // namespace edge::node::aot
