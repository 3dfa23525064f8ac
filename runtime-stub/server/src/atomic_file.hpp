#pragma once
// Crash-safe file writes: a reader (or a node restarted after SIGKILL or power loss) sees the
// old content or the new content of a file, never a mix or a truncated file.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "edge/core/result.hpp"

namespace edge::node {

// Writes `data` to a temp file next to `path` (prefix ".tmp-"), fsyncs it, renames it over
// `path` and fsyncs the directory so the rename itself is durable.
Status write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data, int mode = 0600);
Status write_file_atomic(const std::filesystem::path& path, std::string_view data, int mode = 0600);

// Removes `path` (if present) and fsyncs its directory.
Status remove_file_durable(const std::filesystem::path& path);

// Removes the temp files an interrupted write_file_atomic left in `dir`; returns how many.
size_t remove_leftover_temp_files(const std::filesystem::path& dir);

Result<std::string> read_whole_file(const std::filesystem::path& path);

inline bool is_temp_file_name(std::string_view name) { return name.starts_with(".tmp-"); }

}  // namespace edge::node
