#pragma once
// `edge pack` as a function: rebuild if stale, refuse an invalid module, write the image.
// `edge deploy` without an IMAGE argument packs through this too.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compile/project_build.hpp"
#include "edge/core/manifest.hpp"
#include "edge/core/result.hpp"

namespace edge::deploy {

struct PackOutcome {
  std::filesystem::path project_root;
  Manifest manifest;
  std::filesystem::path image_path;  // <root>/deploy/<name>-v<api>-<version>.tar unless --output
  std::vector<uint8_t> image;        // the bytes written
  std::string digest;                // "sha256:<config digest>"
  size_t module_bytes = 0;
};

// `profile` Debug ships the module with DWARF, so the node's trap backtraces carry file:line.
Result<PackOutcome> pack_project(const std::filesystem::path& start_dir,
                                 const std::optional<std::filesystem::path>& output = std::nullopt,
                                 build::Profile profile = build::Profile::Release);

}  // namespace edge::deploy
