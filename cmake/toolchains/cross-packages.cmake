# Included by the toolchain files: when the target's libraries could not be installed beside
# this machine's (multiarch) and scripts/cross.sh unpacked the same Debian packages into a folder
# instead (EDGE_CROSS_PACKAGES_DIR), find_* and pkg-config look in it, and the linker finds the
# libraries those libraries need there.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EDGE_CROSS_PACKAGES_DIR)
if(EDGE_CROSS_PACKAGES_DIR)
  # Searched first; then the cross toolchain's C library (/usr/<triple>: libdl and dlfcn.h, which
  # prometheus-cpp's civetweb asks for by name); then this machine's root, for the headers of
  # packages that are the same on every architecture (nlohmann-json, CLI11, doctest).
  set(CMAKE_FIND_ROOT_PATH ${EDGE_CROSS_PACKAGES_DIR} /usr/${CMAKE_LIBRARY_ARCHITECTURE} /)
  set(ENV{PKG_CONFIG_LIBDIR}
      ${EDGE_CROSS_PACKAGES_DIR}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/pkgconfig:${EDGE_CROSS_PACKAGES_DIR}/usr/share/pkgconfig)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${EDGE_CROSS_PACKAGES_DIR})
  # Headers: the packages' own first (their versions match their libraries), with the
  # architecture's folder (openssl/opensslconf.h and the like live there).
  foreach(lang C CXX)
    set(CMAKE_${lang}_STANDARD_INCLUDE_DIRECTORIES ${EDGE_CROSS_PACKAGES_DIR}/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
        ${EDGE_CROSS_PACKAGES_DIR}/usr/include)
  endforeach()
  # qemu finds the target's dynamic loader and libraries there too (doctest's test discovery).
  list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -L ${EDGE_CROSS_PACKAGES_DIR})
  foreach(dir usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} lib/${CMAKE_LIBRARY_ARCHITECTURE})
    string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${EDGE_CROSS_PACKAGES_DIR}/${dir}")
    string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT " -Wl,-rpath-link,${EDGE_CROSS_PACKAGES_DIR}/${dir}")
  endforeach()
endif()
