# A CMake toolchain file for edgeEngine services, for building one with plain CMake instead of
# `edge build`:
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/edge/cmake/wasm32-wasi.cmake
# Debian's clang-19 with its wasm32 packages, or an official wasi-sdk when WASI_SDK_PATH is set
# (as `edge build` chooses). The flags are the ones `edge build` uses: edge-guest-flags.cmake.
set(CMAKE_SYSTEM_NAME Generic)  # CMake has no WASI platform module; Generic needs none
set(CMAKE_SYSTEM_PROCESSOR wasm32)
include(${CMAKE_CURRENT_LIST_DIR}/edge-guest-flags.cmake)

if(DEFINED ENV{WASI_SDK_PATH} AND NOT "$ENV{WASI_SDK_PATH}" STREQUAL "")
  set(CMAKE_C_COMPILER "$ENV{WASI_SDK_PATH}/bin/clang")
  set(CMAKE_CXX_COMPILER "$ENV{WASI_SDK_PATH}/bin/clang++")
  set(CMAKE_SYSROOT "$ENV{WASI_SDK_PATH}/share/wasi-sysroot")
else()
  # Debian's clang finds wasi-libc and libc++ for wasm32 under /usr without a sysroot.
  set(CMAKE_C_COMPILER clang-19)
  set(CMAKE_CXX_COMPILER clang++-19)
endif()
set(CMAKE_C_COMPILER_TARGET ${EDGE_GUEST_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${EDGE_GUEST_TARGET})
# The compiler checks compile but do not link: a module has no main() of its own to link.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
