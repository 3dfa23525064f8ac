#pragma once
// What `edge dev` watches: edge.yaml, every file under the folders the manifest's source globs
// start in (so new files and headers count), and the include dirs. Polls mtimes and sizes;
// cheap for a service-sized tree and works on every filesystem (inotify misses some mounts).
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edge::dev {

struct FileStamp {
  std::filesystem::file_time_type mtime;
  uintmax_t size = 0;
  bool operator==(const FileStamp&) const = default;
};

using Snapshot = std::map<std::filesystem::path, FileStamp>;

// The roots to watch for a project (re-read from edge.yaml each time: its globs may change).
std::vector<std::filesystem::path> watched_roots(const std::filesystem::path& project_root);

// Every regular file under the roots (recursively; build/ and hidden folders skipped).
Snapshot take_snapshot(const std::filesystem::path& project_root);

// The files that differ between two snapshots (added, removed or changed), sorted.
std::vector<std::filesystem::path> changed_files(const Snapshot& before, const Snapshot& after);

// The newest modification time among `files` in `snap` (when the user saved), as system time.
std::optional<std::chrono::system_clock::time_point> newest_change(const Snapshot& snap,
                                                                   const std::vector<std::filesystem::path>& files);

}  // namespace edge::dev
