#pragma once
// What `edge build` needs to decide what is stale: source globs, depfiles, stamps.
#include <filesystem>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge::build {

// Expands build.sources patterns relative to `root` ("src/*.cpp", "src/**/*.cpp", or a plain
// path); sorted, without duplicates. A pattern that matches nothing is an Error.
Result<std::vector<std::filesystem::path>> expand_sources(const std::filesystem::path& root,
                                                          const std::vector<std::string>& patterns);

// The prerequisites in a Make-style depfile written by `clang -MD -MF`; empty if unreadable.
std::vector<std::filesystem::path> read_depfile(const std::filesystem::path& depfile);

// True when `target` is missing or older than any of `inputs` (a missing input counts as newer).
bool out_of_date(const std::filesystem::path& target, const std::vector<std::filesystem::path>& inputs);

// Stamps: the exact command that produced a file, so a flag change rebuilds it.
bool stamp_matches(const std::filesystem::path& stamp, const std::string& content);
void write_stamp(const std::filesystem::path& stamp, const std::string& content);
void remove_stamp(const std::filesystem::path& stamp);

// Writes `content` only when it differs, so unchanged outputs keep their mtime.
Status write_if_changed(const std::filesystem::path& path, const std::string& content);

}  // namespace edge::build
