#pragma once
// The deployable image: a `docker save` (legacy v1.2) tar as mimik's packager writes it,
// with one layer holding exactly `index.wasm`. See docs/image.md.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge {

struct ImageSpec {
  std::string name;             // image name with api version, e.g. "hello-v1"
  std::string version;          // e.g. "1.0.0"
  std::vector<uint8_t> module;  // the .wasm bytes, stored as index.wasm
};

// Deterministic: the same spec gives the same bytes (ids from content, fixed times and owners).
std::vector<uint8_t> write_image(const ImageSpec& spec);
// The layer alone: a tar holding exactly `index.wasm` (what write_image embeds as <layer-id>/layer.tar).
std::vector<uint8_t> write_layer(std::span<const uint8_t> module);

struct ImageLimits {
  size_t max_tar_bytes = 64u << 20;     // whole upload
  size_t max_entries = 64;              // outer tar entries
  size_t max_module_bytes = 32u << 20;  // index.wasm
};

struct Image {
  std::string name;                    // "hello-v1"
  std::string version;                 // "1.0.0"
  std::vector<std::string> repo_tags;  // ["hello-v1:1.0.0"]
  std::string digest;                  // "sha256:<hex of config json>"
  std::string index_file;              // "index.wasm" (or "index.js" for JavaScript images)
  std::vector<uint8_t> module;         // the index file's bytes
  size_t tar_bytes = 0;
};

// Reads an image from any docker-save tar (ours or mimik's packager's). Refuses hostile input:
// path traversal, links, device files, duplicates, no or several index files, size bombs.
Result<Image> read_image(std::span<const uint8_t> tar, const ImageLimits& limits = {});

std::string sha256_hex(std::span<const uint8_t> data);
std::string sha256_hex(std::string_view data);

}  // namespace edge
