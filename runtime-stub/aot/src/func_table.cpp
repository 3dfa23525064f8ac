#include "func_table.hpp"

#include <fmt/format.h>

#include <regex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "translate.hpp"

namespace edge::node::aot {

uint32_t add_function_table(std::string& c_source, uint32_t imported_funcs, uint32_t defined_funcs) {
  // "static u32 w2c_inner(Z_m_instance_t*, u32);": wasm2c writes these as one block, in index
  // order, before the first definition; the instance pointer always comes first.
  const std::string instance = fmt::format("Z_{}_instance_t*", kModuleName);
  static const std::regex decl_re(R"(^static [^(]*\b(w2c_\w+)\(([^)]*)\);$)");
  struct Decl {
    size_t end;  // offset of the ';'
    std::string name;
  };
  std::vector<Decl> decls;
  size_t pos = 0;
  std::smatch m;
  while (pos < c_source.size()) {
    size_t eol = c_source.find('\n', pos);
    if (eol == std::string::npos) eol = c_source.size();
    std::string line = c_source.substr(pos, eol - pos);
    if (std::regex_match(line, m, decl_re) && m[2].str().starts_with(instance)) decls.push_back({eol - 1, m[1]});
    else if (!decls.empty()) break;  // the block ended
    pos = eol + 1;
  }

  std::string addrs, text = "{0, 0}";
  if (decls.size() == defined_funcs && defined_funcs > 0) {
    // The definitions get the section too: tcc (the quick tier) takes it from a definition only.
    // Each is "static <type> <name>(Z_m_instance_t* instance...", after the declarations.
    // One pass over the lines that follow (a search per function was quadratic: 0.4 s for 300).
    std::unordered_set<std::string_view> names;
    for (const Decl& d : decls) names.insert(d.name);
    std::vector<size_t> definitions;  // where to insert, after "static "
    const std::string params = "(" + instance + " instance";
    for (size_t line = decls.back().end; line < c_source.size();) {
      size_t eol = c_source.find('\n', line);
      if (eol == std::string::npos) eol = c_source.size();
      const std::string_view text(c_source.data() + line, eol - line);
      if (text.starts_with("static ") && text.ends_with("{")) {
        const size_t open = text.find(params);
        const size_t space = open == std::string_view::npos ? open : text.rfind(' ', open);
        if (space != std::string_view::npos && names.contains(text.substr(space + 1, open - space - 1)))
          definitions.push_back(line + 7);
      }
      line = eol + 1;
    }
    for (auto it = definitions.rbegin(); it != definitions.rend(); ++it)  // back to front: offsets stay valid
      c_source.insert(*it, "__attribute__((section(\"edge_wasm_text\"))) ");
    for (auto it = decls.rbegin(); it != decls.rend(); ++it)
      c_source.insert(it->end, " __attribute__((section(\"edge_wasm_text\"), noclone, noinline))");
    for (const Decl& d : decls) addrs += fmt::format("  (const void*)&{},\n", d.name);
    text = "{__start_edge_wasm_text, __stop_edge_wasm_text}";
  } else {
    decls.clear();
  }
  c_source += fmt::format(R"(
/* Added by edge-node (runtime-stub/aot/src/func_table.hpp): Wasm functions for trap backtraces. */
extern char __start_edge_wasm_text[] __attribute__((visibility("hidden"), weak));
extern char __stop_edge_wasm_text[] __attribute__((visibility("hidden"), weak));
__attribute__((visibility("hidden"))) const void* const edge_func_addrs[] = {{
{}  0}};
__attribute__((visibility("hidden"))) const u32 edge_func_count = {};
__attribute__((visibility("hidden"))) const u32 edge_first_func_index = {};
__attribute__((visibility("hidden"))) const void* const edge_func_text[2] = {};
)",
                          addrs, decls.size(), imported_funcs, text);
  return uint32_t(decls.size());
}

}  // namespace edge::node::aot
