#include "edge/core/wasm_func_names.hpp"

#include <cxxabi.h>

#include <cstdlib>

#include "edge/core/wasm_reader.hpp"

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
  // Only the import, function and name sections are read (a load used to build wabt's whole IR,
  // every function body included, for these names).
  uint32_t imported = 0, defined = 0;
  std::vector<std::pair<uint32_t, std::string_view>> named;
  wasm::for_each_section(std::span(data, size), [&](const wasm::Section& s) {
    if (s.id == 2) {
      imported = wasm::count_func_imports(s.reader());
    } else if (s.id == 3) {
      wasm::Reader r = s.reader();
      defined = r.leb();
    } else if (s.id == 0 && s.name == "name") {
      wasm::Reader r = s.reader();
      while (r.ok && r.pos < r.bytes.size()) {
        const uint8_t kind = r.byte();
        const uint32_t length = r.leb();
        if (!r.ok || length > r.bytes.size() - r.pos) break;
        wasm::Reader sub{r.bytes.subspan(r.pos, length)};
        r.skip(length);
        if (kind != 1) continue;  // 1: function names
        for (uint32_t i = 0, n = sub.leb(); i < n && sub.ok; ++i) {
          const uint32_t index = sub.leb();
          const std::string_view name = sub.name();
          if (sub.ok) named.emplace_back(index, name);
        }
      }
    }
  });
  std::vector<std::string> names(size_t(imported) + defined);
  for (const auto& [index, name] : named)
    if (index < names.size()) names[index] = demangle(std::string(name));
  return names;
}

}  // namespace edge
