#pragma once
// Where the CLI finds its data: next to the binary (build/share/edge or <prefix>/share/edge).
#include <filesystem>

namespace edge::paths {

std::filesystem::path executable_dir();
std::filesystem::path share_dir();        // EDGE_SHARE_DIR overrides
std::filesystem::path templates_dir();    // share_dir()/templates
std::filesystem::path sdk_include_dir();  // <prefix>/include installed, else share_dir()/sdk/include
std::filesystem::path docs_dir();         // share_dir()/../doc/edge: the documentation

}  // namespace edge::paths
