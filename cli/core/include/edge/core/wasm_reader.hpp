#pragma once
// The one hand-written reader of Wasm bytes in the tools (wabt does the rest: validation,
// inspection, translation): the few places that only need a custom section or two (DWARF lines,
// function names, the debug-build marker) walk the module with it instead of building wabt's IR.
// Any overrun makes a reader fail and stop quietly: callers check `ok` once.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace edge::wasm {

struct Reader {
  std::span<const uint8_t> bytes;
  size_t pos = 0;
  bool ok = true;

  uint8_t byte() {
    if (pos >= bytes.size()) {
      ok = false;
      return 0;
    }
    return bytes[pos++];
  }
  // Unsigned LEB128 of at most `bits` (rounded up to whole bytes); longer is a failure.
  uint64_t uleb(int bits) {
    uint64_t result = 0;
    for (int shift = 0; shift < bits && ok; shift += 7) {
      uint8_t b = byte();
      result |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
    ok = false;
    return 0;
  }
  uint32_t leb() { return uint32_t(uleb(35)); }  // a Wasm u32: at most 5 bytes
  uint64_t uleb64() { return uleb(64); }
  int64_t sleb() {
    int64_t result = 0;
    int shift = 0;
    uint8_t b = 0;
    do {
      b = byte();
      if (shift < 64) result |= int64_t(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) && ok);
    if (shift < 64 && (b & 0x40)) result |= -(int64_t(1) << shift);
    return result;
  }
  // Little-endian, `n` bytes (DWARF's fixed-size fields).
  uint64_t fixed(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(byte()) << (8 * i);
    return v;
  }
  // A length-prefixed name, as a view into the bytes.
  std::string_view name() {
    uint32_t n = leb();
    if (!ok || n > bytes.size() - pos) {
      ok = false;
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
  std::string cstr() {
    std::string s;
    for (uint8_t c; ok && (c = byte()) != 0;) s.push_back(char(c));
    return s;
  }
  void limits() {
    uint8_t flags = byte();
    leb();
    if (flags & 1) leb();
  }
  void skip(uint64_t n) {
    if (n > bytes.size() - pos) ok = false;
    else pos += size_t(n);
  }
};

// One section of a module: `id`, and for a custom section (id 0) its name; `body` is the section's
// payload after the name, `reader` a reader over exactly that payload.
struct Section {
  uint8_t id = 0;
  std::string_view name;
  std::span<const uint8_t> body;
  Reader reader() const { return Reader{body}; }
};

// Calls visit(section) for every section of `wasm`, in order, until the bytes end or a section
// is malformed (the sections before it are still visited).
template <class Visit>
void for_each_section(std::span<const uint8_t> wasm, Visit&& visit) {
  Reader r{wasm, 8};  // after the magic and the version
  while (r.ok && r.pos < wasm.size()) {
    Section s;
    s.id = r.byte();
    const uint32_t size = r.leb();
    if (!r.ok || size > wasm.size() - r.pos) return;
    Reader inside{wasm.subspan(r.pos, size)};
    if (s.id == 0) {
      s.name = inside.name();
      if (!inside.ok) return;
    }
    s.body = inside.bytes.subspan(inside.pos);
    visit(s);
    r.pos += size;
  }
}

// Function imports in an import section's payload: they come first in the function index space.
inline uint32_t count_func_imports(Reader r) {
  uint32_t funcs = 0;
  for (uint32_t i = 0, n = r.leb(); i < n && r.ok; ++i) {
    r.name();
    r.name();
    switch (r.byte()) {
      case 0:
        r.leb();
        ++funcs;
        break;  // func: type index
      case 1:
        r.byte();
        r.limits();
        break;                    // table: reftype, limits
      case 2: r.limits(); break;  // memory
      case 3:
        r.byte();
        r.byte();
        break;  // global: valtype, mutability
      case 4:
        r.byte();
        r.leb();
        break;  // tag
      default: return funcs;
    }
  }
  return funcs;
}

}  // namespace edge::wasm
