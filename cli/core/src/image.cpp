// The deployable image (docker save, legacy v1.2 layout) written and read with libarchive.
// Writing is reproducible: ids come from content, times, owners and order are fixed.
// Reading happens on untrusted bytes (uploads, files from elsewhere), entirely in memory, and
// refuses anything a naive extractor could be tricked by: traversal, links, devices,
// duplicates, size bombs.
#include "edge/core/image.hpp"
#include "edge/core/json_text.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace edge {
namespace {

using json = nlohmann::json;
using Bytes = std::vector<uint8_t>;

// Fixed "creation" time of every image: the epoch, so the bytes do not depend on the clock.
constexpr const char* kEpoch = "1970-01-01T00:00:00Z";
constexpr int kFileMode = 0444;
constexpr int kDirMode = 0555;

std::span<const uint8_t> as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// ---------------------------------------------------------------------------------------------
// Writing

// A ustar archive built in memory. ustar has no access/change times and we set mtime, owners and
// modes ourselves, so the output depends only on what is added and in which order.
class TarWriter {
 public:
  TarWriter() : a_(archive_write_new()) {
    archive_write_set_format_ustar(a_);
    archive_write_add_filter_none(a_);
    // 512-byte blocking: no padding to 10 KiB, which would triple a small image.
    archive_write_set_bytes_per_block(a_, 512);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, &out_, nullptr, &TarWriter::write_cb, nullptr);
  }
  ~TarWriter() {
    if (a_) archive_write_free(a_);
  }
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void dir(const std::string& name) { add(name + "/", AE_IFDIR, kDirMode, {}); }
  void file(const std::string& name, std::span<const uint8_t> data) { add(name, AE_IFREG, kFileMode, data); }
  void file(const std::string& name, std::string_view data) { file(name, as_bytes(data)); }

  Bytes finish() {
    archive_write_close(a_);
    archive_write_free(a_);
    a_ = nullptr;
    return std::move(out_);
  }

 private:
  static la_ssize_t write_cb(archive*, void* client, const void* buf, size_t n) {
    auto* out = static_cast<Bytes*>(client);
    auto* p = static_cast<const uint8_t*>(buf);
    out->insert(out->end(), p, p + n);
    return static_cast<la_ssize_t>(n);
  }

  void add(const std::string& name, unsigned type, int mode, std::span<const uint8_t> data) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_mtime(e, 0, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "root");
    archive_entry_set_gname(e, "root");
    archive_write_header(a_, e);
    if (!data.empty()) archive_write_data(a_, data.data(), data.size());
    archive_entry_free(e);
  }

  archive* a_;
  Bytes out_;
};

// ---------------------------------------------------------------------------------------------
// Reading

// One regular file from an archive, by its normalised path.
using Entries = std::map<std::string, Bytes>;

Error refuse(const std::string& what, const std::string& why) {
  return make_error(
      what + " refused: " + why,
      "rebuild it with `edge pack` (or mimik's edge-ms-packager); never deploy images from unknown sources");
}

// "./a//b/" -> "a/b". Error for absolute paths and any `..` component.
Result<std::string> normalise_path(const std::string& what, const char* raw) {
  if (!raw || !*raw) return refuse(what, "an entry has an empty name");
  std::string path = raw;
  if (path.front() == '/') return refuse(what, "entry `" + path + "` has an absolute path");
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") return refuse(what, "entry `" + path + "` points outside the archive (`..`)");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    start = end + 1;
  }
  if (out.empty()) return std::string(".");
  return out;
}

struct ReadBudget {
  size_t max_entries;
  size_t max_total_bytes;
  size_t max_file_bytes;
  // For an image's outer tar, whose only large entry is the layer (`<id>/layer.tar`): every other
  // entry is metadata, refused by its declared size before a byte of it is read (0: no such cap).
  size_t max_metadata_bytes = 0;
};

// An image's metadata (manifest.json, the config, repositories) is a few hundred bytes. Parsed
// without limits, 60 MiB of nested `[` took a node 4.8 GB and 14 s; these are checked first.
constexpr size_t kMaxMetadataBytes = 1u << 20;
constexpr int kMaxMetadataDepth = 32;

std::string too_large(const std::string& name, size_t limit) {
  return name + " is larger than the limit of " + std::to_string(limit) + " bytes";
}

// Reads every entry of a plain tar into memory, refusing hostile entries. Directories are
// accepted (and checked for duplicates) but not returned.
Result<Entries> read_tar(std::span<const uint8_t> data, const std::string& what, const ReadBudget& budget) {
  if (data.empty()) return refuse(what, "it is empty");
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_none(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
    return refuse(what, "it is not a tar archive");

  Entries files;
  std::set<std::string> seen;
  size_t entries = 0, total = 0;
  while (true) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a.get());
      std::string why = msg ? msg : "unreadable header";
      if (entries == 0 && why.find("Unrecognized") != std::string::npos) return refuse(what, "it is not a tar archive");
      return refuse(what, "it is truncated or damaged (" + why + ")");
    }
    if (++entries > budget.max_entries)
      return refuse(what, "it has more than " + std::to_string(budget.max_entries) + " entries");

    auto path = normalise_path(what, archive_entry_pathname(e));
    if (!path) return path.error();
    if (archive_entry_hardlink(e)) return refuse(what, "entry `" + *path + "` is a hard link");
    auto type = archive_entry_filetype(e);
    if (type == AE_IFLNK) return refuse(what, "entry `" + *path + "` is a symbolic link");
    if (type != AE_IFREG && type != AE_IFDIR)
      return refuse(what, "entry `" + *path + "` is a device, pipe or socket, not a file");
    if (!seen.insert(*path).second) return refuse(what, "entry `" + *path + "` appears twice");
    if (type == AE_IFDIR) continue;

    // Check the declared size before reading, then count what really arrives: a header may lie.
    la_int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (declared < 0 || static_cast<uint64_t>(declared) > budget.max_file_bytes)
      return refuse(what, too_large("entry `" + *path + "`", budget.max_file_bytes));
    const bool metadata = budget.max_metadata_bytes && !path->ends_with(".tar");
    if (metadata && static_cast<uint64_t>(declared) > budget.max_metadata_bytes)
      return refuse(what, too_large(*path, budget.max_metadata_bytes));
    if (total + static_cast<size_t>(declared) > budget.max_total_bytes)
      return refuse(what, "its contents exceed the limit of " + std::to_string(budget.max_total_bytes) + " bytes");
    Bytes content;
    content.reserve(static_cast<size_t>(declared));
    uint8_t buf[16384];
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        const char* msg = archive_error_string(a.get());
        return refuse(what, "it is truncated or damaged (" + std::string(msg ? msg : "read error") + ")");
      }
      content.insert(content.end(), buf, buf + n);
      if (content.size() > budget.max_file_bytes || total + content.size() > budget.max_total_bytes ||
          (metadata && content.size() > budget.max_metadata_bytes))
        return refuse(what, "entry `" + *path + "` is larger than the limit");
    }
    total += content.size();
    files.emplace(*path, std::move(content));
  }
  return files;
}

Result<json> parse_json(const Entries& files, const std::string& name, const std::string& what) {
  auto it = files.find(name);
  if (it == files.end()) return refuse(what, "it has no " + name);
  if (it->second.size() > kMaxMetadataBytes) return refuse(what, too_large(name, kMaxMetadataBytes));
  if (nests_deeper_than(std::string_view(reinterpret_cast<const char*>(it->second.data()), it->second.size()),
                        kMaxMetadataDepth))
    return refuse(what, name + " nests arrays or objects deeper than " + std::to_string(kMaxMetadataDepth) + " levels");
  json j = json::parse(it->second.begin(), it->second.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return refuse(what, name + " is not valid JSON");
  return j;
}

bool is_index_file(const std::string& path) { return path == "index.wasm" || path == "index.js"; }

}  // namespace

std::string sha256_hex(std::span<const uint8_t> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return sha256_hex(as_bytes(data)); }

std::vector<uint8_t> write_layer(std::span<const uint8_t> module) {
  TarWriter layer;
  layer.file("index.wasm", module);
  return layer.finish();
}

std::vector<uint8_t> write_image(const ImageSpec& spec) {
  const Bytes layer = write_layer(spec.module);
  const std::string layer_id = sha256_hex(layer);

  // The same shape as mimik's packager writes (its configs say amd64/linux, and those are what
  // real nodes have been fed), without its random container ids and with the epoch as date.
  // nlohmann::json keeps object keys sorted, so the dumps below are stable.
  const json container_config = {
      {"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
      {"Cmd", {""}},
      {"Labels", nullptr},
  };
  const json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"created", kEpoch},
      {"config", container_config},
      {"container_config", container_config},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + layer_id}}}},
      {"history", {{{"created", kEpoch}, {"created_by", "edge pack"}}}},
  };
  const std::string config_text = edge::json_text(config);
  const std::string config_name = sha256_hex(config_text) + ".json";
  const json layer_json = {{"id", layer_id}, {"created", kEpoch},          {"architecture", "amd64"},
                           {"os", "linux"},  {"config", container_config}, {"container_config", container_config}};
  const json manifest = json::array({{{"Config", config_name},
                                      {"RepoTags", {spec.name + ":" + spec.version}},
                                      {"Layers", {layer_id + "/layer.tar"}}}});
  const json repositories = {{spec.name, {{"latest", layer_id}}}};

  // The order docker save uses: the layer folder, then config, manifest and repositories.
  TarWriter tar;
  tar.dir(layer_id);
  tar.file(layer_id + "/VERSION", "1.0");
  tar.file(layer_id + "/json", edge::json_text(layer_json));
  tar.file(layer_id + "/layer.tar", layer);
  tar.file(config_name, config_text);
  tar.file("manifest.json", edge::json_text(manifest));
  tar.file("repositories", edge::json_text(repositories));
  return tar.finish();
}

Result<Image> read_image(std::span<const uint8_t> tar, const ImageLimits& limits) {
  const std::string what = "image";
  if (tar.size() > limits.max_tar_bytes)
    return refuse(what, "it is " + std::to_string(tar.size()) + " bytes, over the limit of " +
                            std::to_string(limits.max_tar_bytes));
  auto files = read_tar(tar, what, {limits.max_entries, limits.max_tar_bytes, limits.max_tar_bytes, kMaxMetadataBytes});
  if (!files) return files.error();

  auto manifest = parse_json(*files, "manifest.json", what);
  if (!manifest) return manifest.error();
  const json& m = *manifest;
  if (!m.is_array() || m.empty() || !m[0].is_object()) return refuse(what, "manifest.json is not a list of images");
  if (m.size() > 1)
    return refuse(what, "manifest.json lists " + std::to_string(m.size()) + " images; deploy one at a time");
  const json& entry = m[0];

  Image image;
  image.tar_bytes = tar.size();

  // Name and version: RepoTags ("hello-v1:1.0.0"), else the repositories file.
  if (auto tags = entry.find("RepoTags"); tags != entry.end() && tags->is_array()) {
    for (const auto& t : *tags)
      if (t.is_string()) image.repo_tags.push_back(t.get<std::string>());
  }
  if (!image.repo_tags.empty()) {
    const std::string& tag = image.repo_tags.front();
    auto colon = tag.rfind(':');
    image.name = tag.substr(0, colon);
    image.version = colon == std::string::npos ? "latest" : tag.substr(colon + 1);
  } else if (auto repos = parse_json(*files, "repositories", what); repos && repos->is_object() && !repos->empty()) {
    image.name = repos->begin().key();
    image.version = "latest";
  }
  if (image.name.empty()) return refuse(what, "manifest.json names no image (RepoTags is empty)");

  auto config = entry.find("Config");
  if (config == entry.end() || !config->is_string()) return refuse(what, "manifest.json has no Config");
  auto config_path = normalise_path(what, config->get<std::string>().c_str());
  if (!config_path) return config_path.error();
  auto config_file = files->find(*config_path);
  if (config_file == files->end()) return refuse(what, "its config `" + *config_path + "` is missing");
  image.digest = "sha256:" + sha256_hex(config_file->second);

  auto layers = entry.find("Layers");
  if (layers == entry.end() || !layers->is_array() || layers->empty() || !(*layers)[0].is_string())
    return refuse(what, "manifest.json lists no layer");
  if (layers->size() > 1)
    return refuse(what, "it has " + std::to_string(layers->size()) + " layers; an edgeEngine image has one");
  auto layer_path = normalise_path(what, (*layers)[0].get<std::string>().c_str());
  if (!layer_path) return layer_path.error();
  auto layer = files->find(*layer_path);
  if (layer == files->end()) return refuse(what, "its layer `" + *layer_path + "` is missing");

  auto layer_files =
      read_tar(layer->second, "image layer", {limits.max_entries, limits.max_module_bytes, limits.max_module_bytes});
  if (!layer_files) return layer_files.error();
  for (auto& [path, content] : *layer_files) {
    if (!is_index_file(path)) continue;
    if (!image.index_file.empty())
      return refuse(what, "its layer holds several index files (" + image.index_file + " and " + path + ")");
    image.index_file = path;
    image.module = std::move(content);
  }
  if (image.index_file.empty()) return refuse(what, "its layer holds no index.wasm");
  return image;
}

}  // namespace edge
