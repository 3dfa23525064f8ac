#pragma once
// Size diet for wasm modules. libc++'s operator new and its abort path reach terminate
// handlers and printf, about 12 KB of a "hello" module. These replacements (allowed by the
// standard for operator new/delete, and by libc++ for __libcpp_verbose_abort) are weak so
// every file may include them and a service may still provide its own.
#if defined(__wasm__)
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace edge::detail {
[[noreturn]] inline void die(const char* why) {
  ::write(2, "[error] edge: ", 14);
  ::write(2, why, std::strlen(why));
  ::write(2, "\n", 1);
  std::abort();  // a trap: the node answers this request with a 500 and logs it
}
inline void* allocate(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) die("out of memory");
  return p;
}
}  // namespace edge::detail

__attribute__((weak)) void* operator new(std::size_t n) { return edge::detail::allocate(n); }
__attribute__((weak)) void* operator new[](std::size_t n) { return edge::detail::allocate(n); }
__attribute__((weak)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((weak)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((weak)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((weak)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

_LIBCPP_BEGIN_NAMESPACE_STD
// Called by libc++ on a violated precondition (e.g. vector too long); the format is enough.
__attribute__((weak)) void __libcpp_verbose_abort(const char* format, ...) { edge::detail::die(format); }
_LIBCPP_END_NAMESPACE_STD
#endif
