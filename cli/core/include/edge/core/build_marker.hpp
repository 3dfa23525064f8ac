#pragma once
// `edge build --debug` marks the module it links with a small custom section, so a node can
// tell a debug build from a release one without guessing (DWARF alone is no sign: Debian's
// wasi-libc and libc++ bring their own line tables into any module that does not strip them).
// The node's auto engine keeps marked modules on the interpreter, whose traps name source lines.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edge {

inline constexpr std::string_view kBuildMarkerSection = "edge.build";  // payload: "debug"

// Appends the marker (a custom section may sit anywhere after the header; runtimes ignore it).
void append_debug_marker(std::vector<uint8_t>& wasm);

// Whether the module carries the marker; reads section headers only.
bool has_debug_marker(std::span<const uint8_t> wasm);

}  // namespace edge
