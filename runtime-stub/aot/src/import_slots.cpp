#include <string>
#include <vector>

#include "edge/core/abi.hpp"
#include "glue.hpp"

namespace edge::node::aot {
namespace {

char letter(abi::ValType t) { return t == abi::ValType::I64 ? 'I' : 'i'; }  // abi.def has i32 and i64 only

}  // namespace

const std::vector<HostImportSlot>& host_import_slots() {
  static const std::vector<HostImportSlot> slots = [] {
    std::vector<HostImportSlot> out;
    for (auto table : {abi::env_imports(), abi::wasi_imports()})
      for (const auto& f : table) {
        HostImportSlot s{std::string(f.module), std::string(f.name), {}, {}};
        for (auto p : f.sig.params) s.params += letter(p);
        for (auto r : f.sig.results) s.result += letter(r);
        out.push_back(std::move(s));
      }
    return out;
  }();
  return slots;
}

}  // namespace edge::node::aot
