// See memory_image.hpp for the design.
#include "memory_image.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <regex>
#include <vector>

#include "translate.hpp"

namespace edge::node::aot {
namespace {

constexpr uint64_t kPage = 65536;

// The parts of wasm2c 1.0.32's init_memories() the rewrite needs.
struct InitMemories {
  size_t begin = 0, end = 0;  // the function's text, from "static" to the closing brace's line end
  std::string memory;         // the instance field, e.g. "w2c_memory"
  std::string allocate_line;
  std::vector<std::string> load_lines;
  uint64_t data_end = 0;  // where the furthest active segment ends
};

// Parses init_memories(); false when its shape is anything but "allocate one memory, then load
// segments at constant offsets that all fit in the initial pages".
bool parse_init_memories(const std::string& c, InitMemories& out) {
  const std::string head = fmt::format("static void init_memories(Z_{}_instance_t* instance) {{\n", kModuleName);
  out.begin = c.find(head);
  if (out.begin == std::string::npos || c.find(head, out.begin + 1) != std::string::npos) return false;
  size_t body = out.begin + head.size();
  size_t close = c.find("\n}\n", body - 1);
  if (close == std::string::npos) return false;
  out.end = close + 3;

  // wasm2c writes offsets as "<n>u" when they are constants; anything else (a global) does not match.
  static const std::regex allocate_re(R"(^  wasm_rt_allocate_memory\(&instance->(\w+), (\d+), (\d+)\);$)");
  static const std::regex load_re(R"(^  LOAD_DATA\(instance->(\w+), (\d+)u, \w+, (\d+)\);$)");
  uint64_t initial_pages = 0;
  size_t pos = body;
  while (pos < close + 1) {
    size_t nl = c.find('\n', pos);
    std::string line = c.substr(pos, nl - pos);
    pos = nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, allocate_re)) {
      if (!out.memory.empty()) return false;  // a second memory: not what the glue handles
      out.memory = m[1];
      out.allocate_line = line;
      initial_pages = std::stoull(m[2]);
    } else if (std::regex_match(line, m, load_re)) {
      if (m[1] != out.memory) return false;  // into an imported memory, or before the allocation
      out.data_end = std::max<uint64_t>(out.data_end, std::stoull(m[2]) + std::stoull(m[3]));
      out.load_lines.push_back(line);
    } else {
      return false;
    }
  }
  if (out.memory.empty()) return false;  // no memory of its own: nothing to prepare
  // 65536 pages: wasm2c's u32 size wraps to 0 and every segment traps; keep that path as it is.
  if (initial_pages >= 65536) return false;
  // A segment beyond the initial memory makes instantiation trap: the replay must do it.
  return out.data_end <= initial_pages * kPage;
}

}  // namespace

bool rewrite_init_memories(std::string& c_source) {
  InitMemories im;
  if (!parse_init_memories(c_source, im)) return false;
  // LOAD_DATA(instance->MEM, ...) -> LOAD_DATA((*edge_mem), ...): the macro takes the memory by name.
  static const std::regex memory_arg(R"(^  LOAD_DATA\(instance->\w+,)");
  std::string loads;
  for (const auto& line : im.load_lines)
    loads += std::regex_replace(line, memory_arg, "  LOAD_DATA((*edge_mem),") + "\n";
  std::string replacement = fmt::format(
      "/* edge-node: the active data segments, applied once when the module is loaded to build the\n"
      " * initial-memory image (runtime-stub/aot/src/memory_image.hpp); instances copy that image. */\n"
      "void edge_load_active_data(wasm_rt_memory_t* edge_mem) {{\n{0}}}\n"
      "const uint64_t edge_active_data_end = {1}u;\n"
      "void edge_apply_memory_image(wasm_rt_memory_t* mem);\n\n"
      "static void init_memories(Z_{2}_instance_t* instance) {{\n{3}\n"
      "  edge_apply_memory_image(&instance->{4});\n}}\n",
      loads, im.data_end, kModuleName, im.allocate_line, im.memory);
  c_source.replace(im.begin, im.end - im.begin, replacement);
  return true;
}

const char* const kMemoryImageRuntime = R"(
/* The initial-memory image (runtime-stub/aot/src/memory_image.hpp): the memory's non-zero spans
 * after the active data segments, built once when the module is loaded (edge_init). */
#include <stdlib.h>

void edge_load_active_data(wasm_rt_memory_t* mem);
extern const uint64_t edge_active_data_end;
typedef struct { uint32_t offset, size; } edge_image_span;
static uint8_t* edge_image;              /* the spans' bytes, back to back */
static edge_image_span* edge_image_spans;
static uint32_t edge_image_span_count;
static int64_t edge_image_bytes = -1;    /* -1: no image (out of memory at load): replay */

/* Zero runs up to this long stay inside a span: one more memcpy call costs about as much as
 * copying a few hundred bytes (measured: ~50 bytes/ns, ~5 ns a call). */
#define EDGE_IMAGE_GAP 256

static void edge_build_memory_image(void) {
#if !WABT_BIG_ENDIAN /* big-endian wasm2c lays memory out from the end: keep replaying there */
  uint64_t end = edge_active_data_end, i = 0, at = 0;
  uint32_t n = 0, k;
  uint8_t *scratch = calloc(1, end ? end : 1), *packed;
  /* every span but the last is followed by EDGE_IMAGE_GAP zeros */
  edge_image_span* spans = malloc(sizeof(edge_image_span) * (end / EDGE_IMAGE_GAP + 1));
  wasm_rt_memory_t m;
  if (!scratch || !spans) {
    free(scratch);
    free(spans);
    return;
  }
  memset(&m, 0, sizeof m);
  m.data = scratch;
  m.size = (uint32_t)end; /* every segment ends by `end` (checked when the C was written): no trap */
  edge_load_active_data(&m);
  while (i < end) {
    uint64_t start, last;
    while (i < end && !scratch[i]) ++i;
    if (i == end) break;
    start = last = i;
    for (; i < end; ++i) {
      if (scratch[i]) last = i;
      else if (i - last > EDGE_IMAGE_GAP) break;
    }
    spans[n].offset = (uint32_t)start;
    spans[n].size = (uint32_t)(last + 1 - start);
    ++n;
  }
  /* Pack the spans' bytes at the start of the scratch buffer (they only move down), and give the
   * rest back: a segment far into memory would otherwise keep a large buffer of zeros alive. */
  for (k = 0; k < n; ++k) {
    memmove(scratch + at, scratch + spans[k].offset, spans[k].size);
    at += spans[k].size;
  }
  packed = realloc(scratch, at ? at : 1);
  edge_image = packed ? packed : scratch;
  edge_image_spans = spans;
  edge_image_span_count = n;
  edge_image_bytes = (int64_t)at;
#endif
}

/* Called by init_memories() right after the memory is allocated (zeroed, from the node's pool). */
void edge_apply_memory_image(wasm_rt_memory_t* mem) {
  const uint8_t* src = edge_image;
  uint32_t k;
  if (edge_image_bytes < 0) {
    edge_load_active_data(mem);
    return;
  }
  for (k = 0; k < edge_image_span_count; ++k) {
    memcpy(mem->data + edge_image_spans[k].offset, src, edge_image_spans[k].size);
    src += edge_image_spans[k].size;
  }
}

static int64_t edge_memory_image_bytes(void) { return edge_image_bytes; }

__attribute__((destructor)) static void edge_free_memory_image(void) {
  free(edge_image);
  free(edge_image_spans);
}
)";

const char* const kNoMemoryImageRuntime = R"(
/* No initial-memory image: wasm2c's init_memories() replays the data segments. */
static void edge_build_memory_image(void) {}
static int64_t edge_memory_image_bytes(void) { return -1; }
)";

}  // namespace edge::node::aot
