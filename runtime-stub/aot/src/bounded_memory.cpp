// See bounded_memory.hpp.
#include "bounded_memory.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "edge/node/guest_memory.hpp"
#include "runtime_internal.hpp"

namespace edge::node::aot::bounded {
namespace {

constexpr uint64_t kPage = 65536;

// A memory of 0 pages still has a mapping (mremap needs one to grow from): one page that the
// generated code never reads, since its checks compare with mem->size, which is 0.
uint64_t mapped_bytes(uint32_t pages) { return std::max<uint64_t>(uint64_t(pages) * kPage, kPage); }

}  // namespace

void allocate_memory(wasm_rt_memory_t* mem, uint32_t initial, uint32_t max) {
  bool prev = rt::enter_host(true);
  max = std::min({max, rt::max_memory_pages(), 65536u});
  if (initial > max) {
    rt::set_host_trap_message("the module needs " + std::to_string(initial) + " pages of memory; the limit is " +
                              std::to_string(max) + " (EDGE_MAX_MEMORY_MB)");
    rt::host_trap();
  }
  if (!guest_memory::take(uint64_t(initial) * kPage)) {
    rt::set_host_trap_message(rt::budget_spent_message(uint64_t(initial) * kPage));
    rt::host_trap();
  }
  const uint64_t bytes = mapped_bytes(initial);
  void* p = bytes > SIZE_MAX ? MAP_FAILED
                             : mmap(nullptr, size_t(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    guest_memory::give_back(uint64_t(initial) * kPage);
    rt::set_host_trap_message("cannot reserve memory for the instance");
    rt::host_trap();
  }
  mem->data = static_cast<uint8_t*>(p);
  mem->pages = initial;
  mem->max_pages = max;
  mem->size = uint32_t(uint64_t(initial) * kPage);
  rt::leave_host(prev);
}

uint32_t grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  bool prev = rt::enter_host(true);
  const uint32_t old_pages = mem->pages;
  const uint64_t new_pages = uint64_t(old_pages) + delta;
  uint32_t result = old_pages;
  const uint64_t old_bytes = mapped_bytes(old_pages),
                 new_bytes = mapped_bytes(uint32_t(std::min<uint64_t>(new_pages, 65536)));
  if (new_pages > mem->max_pages || new_bytes > SIZE_MAX) {
    result = uint32_t(-1);
  } else if (delta > 0 && !guest_memory::take(uint64_t(delta) * kPage)) {
    result = uint32_t(-1);  // the node-wide budget: as a grow past the instance's own cap
  } else if (delta > 0) {
    // New anonymous pages read as zero, as Wasm requires.
    void* p =
        new_bytes == old_bytes ? mem->data : mremap(mem->data, size_t(old_bytes), size_t(new_bytes), MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
      guest_memory::give_back(uint64_t(delta) * kPage);
      result = uint32_t(-1);
    } else {
      mem->data = static_cast<uint8_t*>(p);
      mem->pages = uint32_t(new_pages);
      mem->size = uint32_t(new_pages * kPage);
    }
  }
  rt::leave_host(prev);
  return result;
}

void free_memory(wasm_rt_memory_t* mem) {
  bool prev = rt::enter_host(false);
  if (mem->data) {
    munmap(mem->data, size_t(mapped_bytes(mem->pages)));
    guest_memory::give_back(uint64_t(mem->pages) * kPage);
  }
  mem->data = nullptr;
  rt::leave_host(prev);
}

}  // namespace edge::node::aot::bounded
