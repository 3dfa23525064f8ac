#include "dev/source_watch.hpp"

#include <algorithm>

#include "edge/core/manifest.hpp"

namespace edge::dev {
namespace fs = std::filesystem;

namespace {

// "src/**/*.cpp" -> "src"; "main.cpp" -> "main.cpp"; "*.cpp" -> "" (the project root itself).
fs::path fixed_prefix(const std::string& pattern) {
  fs::path out;
  for (const auto& part : fs::path(pattern)) {
    if (part.string().find_first_of("*?[") != std::string::npos) break;
    out /= part;
  }
  return out;
}

void add_file(Snapshot& snap, const fs::path& p) {
  std::error_code ec;
  auto mtime = fs::last_write_time(p, ec);
  if (ec) return;
  auto size = fs::file_size(p, ec);
  if (ec) return;
  snap[p] = {mtime, size};
}

bool skipped_dir(const fs::path& dir, const fs::path& root) {
  const auto name = dir.filename().string();
  return dir == root / "build" || dir == root / "deploy" || (!name.empty() && name[0] == '.');
}

void add_tree(Snapshot& snap, const fs::path& root, const fs::path& project_root) {
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) return add_file(snap, root);
  if (!fs::is_directory(root, ec)) return;
  // The project root itself (a "*.cpp" glob): only its files, not its subfolders' build output.
  const bool shallow = root == project_root;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      if (shallow || skipped_dir(it->path(), project_root)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) add_file(snap, it->path());
  }
}

}  // namespace

std::vector<fs::path> watched_roots(const fs::path& project_root) {
  std::vector<fs::path> roots = {project_root / kManifestFile};
  Manifest m;
  if (auto loaded = load_manifest(project_root); loaded) m = *loaded;
  for (const auto& pattern : m.build.sources) roots.push_back(project_root / fixed_prefix(pattern));
  for (const auto& dir : m.build.include_dirs) roots.push_back(project_root / dir);
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  return roots;
}

Snapshot take_snapshot(const fs::path& project_root) {
  Snapshot snap;
  for (const auto& root : watched_roots(project_root))
    add_tree(snap, root.lexically_normal(), project_root.lexically_normal());
  return snap;
}

std::vector<fs::path> changed_files(const Snapshot& before, const Snapshot& after) {
  std::vector<fs::path> out;
  for (const auto& [p, stamp] : after)
    if (auto it = before.find(p); it == before.end() || !(it->second == stamp)) out.push_back(p);
  for (const auto& [p, stamp] : before)
    if (!after.count(p)) out.push_back(p);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::chrono::system_clock::time_point> newest_change(const Snapshot& snap,
                                                                   const std::vector<fs::path>& files) {
  std::optional<std::chrono::system_clock::time_point> newest;
  for (const auto& f : files) {
    auto it = snap.find(f);
    if (it == snap.end()) continue;
    auto t = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        std::chrono::file_clock::to_sys(it->second.mtime));
    if (!newest || t > *newest) newest = t;
  }
  return newest;
}

}  // namespace edge::dev
