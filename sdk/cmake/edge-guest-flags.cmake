# How a service's C++ becomes an edgeEngine module: the one definition that `edge build` (through
# a header generated from it), the installed CMake package (edgeConfig.cmake) and this tree's
# tests read. Change a flag here and every way of building a service changes with it.
set(EDGE_GUEST_TARGET wasm32-wasi)
# The SDK needs neither exceptions nor RTTI, and a module without them is smaller.
set(EDGE_GUEST_CXX_FLAGS -std=c++20 -fno-exceptions -fno-rtti)
# Release: smallest code (modules travel to devices). LTO measured on the hello template:
# 46.4 KB -> 40.6 KB. Debug: DWARF and names, so `edge validate` can say where a call is.
set(EDGE_GUEST_RELEASE_FLAGS -Oz -flto)
set(EDGE_GUEST_DEBUG_FLAGS -O0 -g)
# The shadow stack below the data: an overflow then runs off address 0 and traps cleanly
# instead of silently corrupting the module's globals.
set(EDGE_GUEST_LINK_FLAGS -Wl,--stack-first)
set(EDGE_GUEST_RELEASE_LINK_FLAGS -Wl,--strip-all -Wl,--gc-sections)
