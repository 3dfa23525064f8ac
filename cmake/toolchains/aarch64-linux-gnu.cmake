# Cross build for arm64 (aarch64-linux-gnu) with Debian's cross toolchain (crossbuild-essential-arm64) and
# the target's multiarch -dev packages (dpkg --add-architecture arm64). scripts/cross.sh uses it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Multiarch: the target's libraries and CMake packages live under /usr/lib/aarch64-linux-gnu on this
# machine's own root, so no sysroot; find_* look there and never in /usr/lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# Programs the build runs (wat2wasm, clang for the Wasm test guests) are this machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Target programs run under qemu-user: doctest's test discovery at build time, and ctest.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
# The .deb's architecture (CPack would otherwise ask dpkg, which answers for this machine).
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
include(${CMAKE_CURRENT_LIST_DIR}/cross-packages.cmake)
