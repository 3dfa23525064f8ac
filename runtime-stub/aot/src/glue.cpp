#include "glue.hpp"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "memory_image.hpp"
#include "translate.hpp"

namespace edge::node::aot {
namespace {

// A prototype line of wasm2c's header: "u32 Z_mZ_foo(Z_m_instance_t*, u32, u64);"
struct Prototype {
  std::string result;  // "void", "u32", "wasm_rt_memory_t*", ...
  std::string name;
  std::vector<std::string> params;  // as written
};

bool parse_prototype(const std::string& line, Prototype& out) {
  static const std::regex re(R"(^\s*(.+?)\s*\b(\w+)\((.*)\);\s*$)");
  std::smatch m;
  if (!std::regex_match(line, m, re)) return false;
  out.result = m[1];
  out.name = m[2];
  out.params.clear();
  std::stringstream ss(m[3].str());
  std::string p;
  while (std::getline(ss, p, ',')) {
    auto b = p.find_first_not_of(' '), e = p.find_last_not_of(' ');
    if (b != std::string::npos) out.params.push_back(p.substr(b, e - b + 1));
  }
  if (out.params.size() == 1 && out.params[0] == "void") out.params.clear();
  return true;
}

// The aot_abi.h letter for a wasm2c value type, or 0.
char letter(const std::string& c_type) {
  if (c_type == "u32") return 'i';
  if (c_type == "u64") return 'I';
  if (c_type == "f32") return 'f';
  if (c_type == "f64") return 'F';
  return 0;
}

const char* host_c_type(char l) { return l == 'I' ? "int64_t" : "int32_t"; }

// Slot -> value of the C type, and back.
std::string from_slot(char l, const std::string& slot) {
  switch (l) {
    case 'i': return fmt::format("(u32){}", slot);
    case 'I': return fmt::format("(u64){}", slot);
    case 'f': return fmt::format("edge_f32_of({})", slot);
    default: return fmt::format("edge_f64_of({})", slot);
  }
}
std::string to_slot(char l, const std::string& value) {
  switch (l) {
    case 'i': return fmt::format("(uint64_t)(u32)({})", value);
    case 'I': return fmt::format("(uint64_t)({})", value);
    case 'f': return fmt::format("edge_bits_f32({})", value);
    default: return fmt::format("edge_bits_f64({})", value);
  }
}

constexpr const char* kRuntime = R"(
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

static const edge_aot_host* edge_host;

static inline f32 edge_f32_of(uint64_t s) { u32 b = (u32)s; f32 v; memcpy(&v, &b, 4); return v; }
static inline f64 edge_f64_of(uint64_t s) { f64 v; memcpy(&v, &s, 8); return v; }
static inline uint64_t edge_bits_f32(f32 v) { u32 b; memcpy(&b, &v, 4); return b; }
static inline uint64_t edge_bits_f64(f64 v) { uint64_t b; memcpy(&b, &v, 8); return b; }

/* wasm2c's runtime API (wasm-rt.h), forwarded to the node. */
void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}
void wasm_rt_trap(wasm_rt_trap_t code) { edge_host->trap(code); __builtin_unreachable(); }
void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t initial, uint32_t max) { edge_host->allocate_memory(m, initial, max); }
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint32_t delta) { return edge_host->grow_memory(m, delta); }
void wasm_rt_free_memory(wasm_rt_memory_t* m) { edge_host->free_memory(m); }

/* Function types: compared only within this module, registered once (init_module runs under
 * pthread_once), so a local registry is enough. */
#define EDGE_MAX_FUNC_TYPES 4096
static struct { uint32_t params, results; wasm_rt_type_t types[32]; int wide; } edge_func_types[EDGE_MAX_FUNC_TYPES];
static uint32_t edge_func_type_count;
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  wasm_rt_type_t types[32];
  uint32_t n = params + results, i, j;
  va_list ap;
  va_start(ap, results);
  for (i = 0; i < n; ++i) {
    wasm_rt_type_t t = va_arg(ap, wasm_rt_type_t);
    if (i < 32) types[i] = t;
  }
  va_end(ap);
  if (n > 32) { /* too long to compare by value: give it its own id */
    edge_func_types[edge_func_type_count].wide = 1;
    return ++edge_func_type_count;
  }
  for (j = 0; j < edge_func_type_count; ++j)
    if (!edge_func_types[j].wide && edge_func_types[j].params == params && edge_func_types[j].results == results &&
        memcmp(edge_func_types[j].types, types, n * sizeof types[0]) == 0)
      return j + 1;
  if (edge_func_type_count == EDGE_MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
  edge_func_types[edge_func_type_count].params = params;
  edge_func_types[edge_func_type_count].results = results;
  memcpy(edge_func_types[edge_func_type_count].types, types, n * sizeof types[0]);
  return ++edge_func_type_count;
}

/* Exceptions are disabled at translation; these only satisfy the linker. */
uint32_t wasm_rt_register_tag(uint32_t size) { (void)size; return 0; }
void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void* values) { (void)tag; (void)size; (void)values; wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); }
void wasm_rt_throw(void) { wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); }
WASM_RT_UNWIND_TARGET* wasm_rt_get_unwind_target(void) { return NULL; }
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET* t) { (void)t; }
uint32_t wasm_rt_exception_tag(void) { return 0; }
uint32_t wasm_rt_exception_size(void) { return 0; }
void* wasm_rt_exception(void) { return NULL; }

#define EDGE_TABLE_OPS(type)                                                                   \
  void wasm_rt_allocate_##type##_table(wasm_rt_##type##_table_t* t, uint32_t n, uint32_t max) { \
    t->size = n;                                                                                \
    t->max_size = max;                                                                          \
    t->data = edge_host->alloc_zeroed((size_t)n * sizeof(wasm_rt_##type##_t) + 1);              \
  }                                                                                             \
  void wasm_rt_free_##type##_table(wasm_rt_##type##_table_t* t) { edge_host->release(t->data); } \
  uint32_t wasm_rt_grow_##type##_table(wasm_rt_##type##_table_t* t, uint32_t delta, wasm_rt_##type##_t init) { \
    uint32_t old = t->size, i;                                                                  \
    uint64_t n = (uint64_t)t->size + delta;                                                     \
    if (n == 0) return 0;                                                                       \
    if (n < old || n > t->max_size) return (uint32_t)-1;                                        \
    void* p = edge_host->resize(t->data, n * sizeof(wasm_rt_##type##_t));                       \
    if (!p) return (uint32_t)-1;                                                                \
    t->data = p;                                                                                \
    t->size = (uint32_t)n;                                                                      \
    for (i = old; i < n; ++i) t->data[i] = init;                                                \
    return old;                                                                                 \
  }
EDGE_TABLE_OPS(funcref)
EDGE_TABLE_OPS(externref)
)";

// What pre-initialisation needs from the instance struct in wasm2c's header: its globals (scalar
// fields w2c_g<N>), written as save/load functions, and whether anything else in it could carry
// state a snapshot of memory and globals would miss (a dropped-segment flag, a second memory...).
struct InstanceState {
  std::string save, load;
  uint32_t globals = 0;
  bool only_memory_and_globals = true;
};

InstanceState instance_state(const std::string& header, const std::string& instance_type) {
  InstanceState st;
  const std::string open = "typedef struct " + instance_type + " {\n";
  size_t begin = header.find(open), end = header.find("} " + instance_type + ";", begin);
  if (begin == std::string::npos || end == std::string::npos) {
    st.only_memory_and_globals = false;
    return st;
  }
  static const std::regex global_re(R"(^  (u32|u64|f32|f64) (w2c_\w+);$)");
  static const std::regex import_re(R"(^  struct \w+\* \w+;$)");
  static const std::regex memory_re(R"(^  wasm_rt_memory_t \w+;$)");
  static const std::regex table_re(R"(^  wasm_rt_(funcref|externref)_table_t \w+;$)");
  std::stringstream in(header.substr(begin + open.size(), end - begin - open.size()));
  int memories = 0;
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, global_re)) {
      // Raw 64-bit slots: the bits of floats, as the invokers pass them.
      st.save += fmt::format("  memcpy(&s[{0}], &i->{1}, sizeof i->{1});\n", st.globals, m[2].str());
      st.load += fmt::format("  memcpy(&i->{1}, &s[{0}], sizeof i->{1});\n", st.globals, m[2].str());
      ++st.globals;
    } else if (std::regex_match(line, memory_re)) {
      ++memories;
    } else if (!std::regex_match(line, import_re) && !std::regex_match(line, table_re)) {
      st.only_memory_and_globals = false;
    }
  }
  if (memories != 1) st.only_memory_and_globals = false;  // no memory: nothing to snapshot; two: not handled
  return st;
}

}  // namespace

Result<std::string> make_glue(const std::string& header, const std::vector<HostImportSlot>& host_imports,
                              bool memory_image, bool changes_tables) {
  const std::string mod = kModuleName;
  const std::string instance_type = "Z_" + mod + "_instance_t";
  std::string imports, invokers, exports_table, instantiate_args, memory_getter = "NULL";
  size_t export_count = 0;

  std::stringstream in(header);
  std::string line;
  static const std::regex import_re(R"(^/\* import: '(.*)' '(.*)' \*/$)");
  static const std::regex export_re(R"(^/\* export: '(.*)' \*/$)");
  std::smatch m;
  while (std::getline(in, line)) {
    Prototype proto;
    if (std::regex_match(line, m, import_re)) {
      std::string module = m[1], name = m[2];
      std::getline(in, line);
      if (!parse_prototype(line, proto) || proto.params.empty())
        return make_error(fmt::format("aot: cannot read the import {}.{} in wasm2c's header", module, name));
      size_t index = 0;
      while (index < host_imports.size() && !(host_imports[index].module == module && host_imports[index].name == name))
        ++index;
      if (index == host_imports.size())
        return make_error(fmt::format("the module imports {}.{}, which the node does not provide", module, name),
                          "import only what sdk/include/edge/abi.def lists (check with `edge validate`)");
      const HostImportSlot& slot = host_imports[index];
      // The signature must be the host's exactly: a mismatch would corrupt the call.
      std::string params, call_params = "void*", args = "ctx";
      std::string decl = fmt::format("{} {}({} ctx", proto.result, proto.name, proto.params[0]);
      for (size_t i = 1; i < proto.params.size(); ++i) {
        char l = letter(proto.params[i]);
        params += l ? l : '?';
        decl += fmt::format(", {} a{}", proto.params[i], i);
        call_params += fmt::format(", {}", host_c_type(l));
        args += fmt::format(", ({})a{}", host_c_type(l), i);
      }
      std::string result = proto.result == "void" ? "" : std::string(1, letter(proto.result));
      if (params != slot.params || result != slot.result)
        return make_error(fmt::format("the module imports {}.{} with the wrong signature ({} -> {}, expected {} -> {})",
                                      module, name, params, result, slot.params, slot.result),
                          "rebuild the module against the SDK's abi.def");
      std::string call = fmt::format("(({} (*)({}))edge_host->imports[{}])({})",
                                     result.empty() ? "void" : host_c_type(result[0]), call_params, index, args);
      imports += fmt::format("{}) {{ {}{}; }}\n", decl, result.empty() ? "" : "return (" + proto.result + ")", call);
    } else if (std::regex_match(line, m, export_re)) {
      std::string name = m[1];
      std::getline(in, line);
      if (!parse_prototype(line, proto) || proto.params.empty()) continue;
      if (proto.result == "wasm_rt_memory_t*") {
        if (memory_getter == "NULL" || name == "memory")
          memory_getter = fmt::format("(wasm_rt_memory_t* (*)(void*)){}", proto.name);
        continue;
      }
      // Functions only: params after the instance, one result at most, plain value types.
      char rl = proto.result == "void" ? 'v' : letter(proto.result);
      if (!rl) continue;
      std::string params, args = fmt::format("({}*)instance", instance_type);
      bool plain = true;
      for (size_t i = 1; i < proto.params.size(); ++i) {
        char l = letter(proto.params[i]);
        if (!l) plain = false;
        params += l;
        args += ", " + from_slot(l, fmt::format("p[{}]", i - 1));
      }
      if (!plain) continue;
      std::string call = fmt::format("{}({})", proto.name, args);
      invokers +=
          fmt::format("static void edge_invoke_{}(void* instance, const uint64_t* p, uint64_t* r) {{ {}; }}\n",
                      export_count, rl == 'v' ? "(void)p; (void)r; " + call : "(void)p; r[0] = " + to_slot(rl, call));
      exports_table += fmt::format("  {{\"{}\", \"{}\", \"{}\", edge_invoke_{}}},\n", name, params,
                                   rl == 'v' ? "" : std::string(1, rl), export_count);
      ++export_count;
    } else if (parse_prototype(line, proto) && proto.name == "Z_" + mod + "_instantiate") {
      for (size_t i = 1; i < proto.params.size(); ++i) instantiate_args += fmt::format(", ({})ctx", proto.params[i]);
    }
  }

  std::string out = "/* Generated by edge-node's AOT engine (runtime-stub/aot/src/glue.cpp). */\n";
  out += fmt::format("#include \"{}\"\n#include \"edge_aot_abi.h\"\n", kHeaderName);
  out += kRuntime;
  out += memory_image ? kMemoryImageRuntime : kNoMemoryImageRuntime;
  out += "\n/* imports */\n" + imports;
  out += "\n/* exports */\n" + invokers;
  const InstanceState state = instance_state(header, instance_type);
  out += fmt::format(
      "\n/* pre-initialisation: the globals as raw slots */\n"
      "static void edge_save_globals(const void* instance, uint64_t* s) {{\n"
      "  const {0}* i = (const {0}*)instance;\n  (void)i; (void)s;\n{1}}}\n"
      "static void edge_load_globals(void* instance, const uint64_t* s) {{\n"
      "  {0}* i = ({0}*)instance;\n  (void)i; (void)s;\n{2}}}\n",
      instance_type, state.save, state.load);
  const bool can_preinit = memory_image && !changes_tables && state.only_memory_and_globals;
  out += fmt::format("static const edge_aot_export edge_exports[] = {{\n{}  {{0, 0, 0, 0}}\n}};\n", exports_table);
  out += fmt::format(R"(
static void edge_instantiate(void* instance, void* ctx) {{ (void)ctx; Z_{0}_instantiate(({1}*)instance{2}); }}
static void edge_free_instance(void* instance) {{ Z_{0}_free(({1}*)instance); }}
/* Defined in module.c by the node's func_table.cpp. */
extern const void* const edge_func_addrs[];
extern const u32 edge_func_count, edge_first_func_index;
extern const void* const edge_func_text[2];
static edge_aot_module edge_module = {{EDGE_AOT_ABI, sizeof({1}), edge_instantiate, edge_free_instance,
                                      {3}, {4}, edge_exports, edge_memory_image_bytes,
                                      edge_func_addrs, 0, 0, edge_func_text,
                                      {5}, {6}, edge_save_globals, edge_load_globals}};
static pthread_once_t edge_once = PTHREAD_ONCE_INIT;
static void edge_init(void) {{
  /* Counts are not constant expressions across translation units: set them here. */
  edge_module.func_count = edge_func_count;
  edge_module.first_func_index = edge_first_func_index;
  Z_{0}_init_module();
  edge_build_memory_image();
}}
__attribute__((visibility("default"))) const edge_aot_module* edge_aot_module_entry(const edge_aot_host* host) {{
  if (host->abi != EDGE_AOT_ABI) return NULL;
  edge_host = host;
  pthread_once(&edge_once, edge_init);
  return &edge_module;
}}
)",
                     mod, instance_type, instantiate_args, memory_getter, export_count, can_preinit ? 1 : 0,
                     state.globals);
  return out;
}

}  // namespace edge::node::aot
