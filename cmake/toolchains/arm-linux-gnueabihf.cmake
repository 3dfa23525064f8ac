# Cross build for armhf (arm-linux-gnueabihf) with Debian's cross toolchain (crossbuild-essential-armhf) and
# the target's multiarch -dev packages (dpkg --add-architecture armhf). scripts/cross.sh uses it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
# Multiarch: the target's libraries and CMake packages live under /usr/lib/arm-linux-gnueabihf on this
# machine's own root, so no sysroot; find_* look there and never in /usr/lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig)
# Programs the build runs (wat2wasm, clang for the Wasm test guests) are this machine's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Target programs run under qemu-user: doctest's test discovery at build time, and ctest.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm-static)
# The .deb's architecture (CPack would otherwise ask dpkg, which answers for this machine).
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE armhf)
include(${CMAKE_CURRENT_LIST_DIR}/cross-packages.cmake)
