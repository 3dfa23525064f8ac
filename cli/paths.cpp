#include "paths.hpp"

#include <cstdlib>

namespace edge::paths {
namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

fs::path share_dir() {
  if (const char* env = std::getenv("EDGE_SHARE_DIR"); env && *env) return env;
  return (executable_dir() / ".." / "share" / "edge").lexically_normal();
}

fs::path templates_dir() { return share_dir() / "templates"; }
fs::path sdk_include_dir() {
  // Installed: <prefix>/include, where every compiler looks. In the build tree (and with
  // EDGE_SHARE_DIR) the source tree's sdk/include, reached through share/edge/sdk.
  auto installed = (executable_dir() / ".." / "include").lexically_normal();
  std::error_code ec;
  if (!std::getenv("EDGE_SHARE_DIR") && fs::exists(installed / "edge" / "edge.hpp", ec)) return installed;
  return share_dir() / "sdk" / "include";
}
fs::path docs_dir() { return (share_dir() / ".." / "doc" / "edge").lexically_normal(); }

}  // namespace edge::paths
