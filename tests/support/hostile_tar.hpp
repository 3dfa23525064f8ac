#pragma once
// Tars built entry by entry with libarchive, including every kind `edge pack` would never
// write (links, devices, `..` paths, duplicates, sparse bombs), for the tests that check that
// hostile images are refused: in memory by read_image (tests/deploy) and over HTTP by a real
// node (tests/security). One builder, so both suites feed the same bytes to the same checks.
#include <archive_entry.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edge::test {

struct TarEntry {
  TarEntry(std::string n, std::string c = {}, unsigned t = AE_IFREG, std::string l = {}, bool h = false, int m = 0444)
      : name(std::move(n)), content(std::move(c)), type(t), link(std::move(l)), hardlink(h), mode(m) {}
  std::string name;
  std::string content;
  unsigned type;     // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK, AE_IFIFO
  std::string link;  // symlink target or hard link target
  bool hardlink;
  int mode;
  int64_t sparse_size = 0;  // > 0: a sparse file that declares this size but stores only `content`
};

// ustar is what `edge pack` writes; pax is what mimik's packager writes, and the only one of
// the two that can carry a sparse entry.
enum class TarFormat { ustar, pax };

// The tar bytes of `entries`, in order, with fixed times. Devices get a real device number (1,3).
std::string make_tar(const std::vector<TarEntry>& entries, TarFormat format = TarFormat::pax);

// The config every test image carries, and its file name (its sha256, as in a docker-save image).
const std::string& image_config();
std::string image_config_name();

// How the docker-save image around a layer is laid out.
struct ImageLayout {
  std::string tag = "hello-v1:1.2.3";     // in the manifest's RepoTags; its name part names `repositories`
  std::string layer_id = "a1b2c3d4e5f6";  // random-looking, as mimik's packager makes it
  std::string manifest;                   // empty: the usual one (config, tag, the one layer)
  bool repositories = true;               // the legacy `repositories` file mimik's packager adds
};

// A pax docker-save image around `layer` (the layer tar's bytes), then the `extra` outer entries.
std::string make_image(const std::string& layer, const std::vector<TarEntry>& extra = {},
                       const ImageLayout& layout = {});

}  // namespace edge::test
