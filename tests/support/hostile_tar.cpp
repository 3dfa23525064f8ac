#include "hostile_tar.hpp"

#include <archive.h>
#include <sys/sysmacros.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "edge/core/image.hpp"

namespace edge::test {

std::string make_tar(const std::vector<TarEntry>& entries, TarFormat format) {
  std::string out;
  archive* a = archive_write_new();
  format == TarFormat::pax ? archive_write_set_format_pax_restricted(a) : archive_write_set_format_ustar(a);
  archive_write_set_bytes_per_block(a, 512);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& en : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, en.name.c_str());
    if (en.hardlink) {
      archive_entry_set_hardlink(e, en.link.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, en.type);
      if (en.type == AE_IFLNK) archive_entry_set_symlink(e, en.link.c_str());
      if (en.type == AE_IFCHR || en.type == AE_IFBLK) archive_entry_set_rdev(e, makedev(1, 3));
      archive_entry_set_size(e, en.type == AE_IFREG ? static_cast<la_int64_t>(en.content.size()) : 0);
      if (en.sparse_size > 0) {
        archive_entry_set_size(e, en.sparse_size);
        archive_entry_sparse_add_entry(e, 0, static_cast<la_int64_t>(en.content.size()));
      }
    }
    archive_entry_set_perm(e, en.mode);
    archive_entry_set_mtime(e, 1700000000, 0);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (en.type == AE_IFREG && !en.hardlink && !en.content.empty())
      archive_write_data(a, en.content.data(), en.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

const std::string& image_config() {
  static const std::string config = R"({"rootfs":{"type":"layers","diff_ids":["sha256:x"]}})";
  return config;
}

std::string image_config_name() { return edge::sha256_hex(image_config()) + ".json"; }

std::string make_image(const std::string& layer, const std::vector<TarEntry>& extra, const ImageLayout& layout) {
  using json = nlohmann::json;
  const std::string& id = layout.layer_id;
  std::string manifest = layout.manifest;
  if (manifest.empty())
    manifest =
        json::array({{{"Config", image_config_name()}, {"RepoTags", {layout.tag}}, {"Layers", {id + "/layer.tar"}}}})
            .dump();
  std::vector<TarEntry> entries = {
      {id + "/", "", AE_IFDIR, "", false, 0555},
      {id + "/VERSION", "1.0"},
      {id + "/json", "{}"},
      {id + "/layer.tar", layer},
      {image_config_name(), image_config()},
      {"manifest.json", manifest},
  };
  if (layout.repositories) {
    const std::string name = layout.tag.substr(0, layout.tag.find(':'));
    entries.push_back({"repositories", json{{name, {{"latest", id}}}}.dump()});
  }
  entries.insert(entries.end(), extra.begin(), extra.end());
  return make_tar(entries, TarFormat::pax);
}

}  // namespace edge::test
