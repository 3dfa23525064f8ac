// Hostile images through POST /mcm/v1/images on a real node (issue 7): every case is refused with
// a 4xx JSON error naming the problem, and the image store (GET /mcm/v1/images and the files in
// the data dir) is unchanged afterwards. The tars are built here with libarchive, including
// ones `edge pack` would never write. Not repeated here (tests/node/node_api_test.cpp has them):
// not a tar, a truncated tar, a wrong form field, no multipart, a module failing validation.
#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <doctest/doctest.h>

#include "edge/core/image.hpp"
#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Entry {
  Entry(std::string n, std::string c = {}, unsigned t = AE_IFREG, std::string l = {}, bool h = false)
      : name(std::move(n)), content(std::move(c)), type(t), link(std::move(l)), hardlink(h) {}
  std::string name;
  std::string content;
  unsigned type = AE_IFREG;
  std::string link;            // symlink or hard link target
  bool hardlink = false;
  int64_t sparse_size = 0;     // > 0: a sparse file declaring this size but storing only `content`
};

Entry file(std::string name, std::string content) { return Entry(std::move(name), std::move(content)); }

std::string make_tar(const std::vector<Entry>& entries, bool pax = true) {
  std::string out;
  archive* a = archive_write_new();
  pax ? archive_write_set_format_pax_restricted(a) : archive_write_set_format_ustar(a);
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
    archive_entry_set_perm(e, 0444);
    archive_entry_set_mtime(e, 1700000000, 0);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (en.type == AE_IFREG && !en.hardlink && !en.content.empty()) archive_write_data(a, en.content.data(), en.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// A docker-save image around `layer` with extra outer entries; `tag` and `manifest` overridable.
const std::string kConfig = R"({"rootfs":{"type":"layers","diff_ids":["sha256:x"]}})";
std::string config_name() { return edge::sha256_hex(kConfig) + ".json"; }

std::string make_image(const std::string& layer, std::vector<Entry> extra = {}, const std::string& tag = "evil-v1:1.0.0",
                       std::string manifest = {}) {
  const std::string layer_id = "a1b2c3d4e5f6";
  const std::string config = kConfig;
  if (manifest.empty())
    manifest = json::array({{{"Config", config_name()}, {"RepoTags", {tag}}, {"Layers", {layer_id + "/layer.tar"}}}}).dump();
  std::vector<Entry> entries = {
      {layer_id + "/", "", AE_IFDIR}, file(layer_id + "/VERSION", "1.0"), file(layer_id + "/json", "{}"),
      file(layer_id + "/layer.tar", layer), file(config_name(), config), file("manifest.json", manifest),
  };
  entries.insert(entries.end(), extra.begin(), extra.end());
  return make_tar(entries);
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string() + ":" + (e.is_regular_file() ? std::to_string(e.file_size()) : "d"));
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  std::string what;
  std::string tar;
  std::string expect;  // part of the error message
};

}  // namespace

TEST_CASE("hostile images are refused with a 4xx JSON error and the store is unchanged") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  const std::string module = test_module("node_hello_v1");
  REQUIRE(upload(*cli, image_tar("hello-v1", "1.0.0", module))->status == 200);
  // Sanity: a hand-made image of the same shape as the hostile ones is accepted (then removed).
  {
    auto ok = upload(*cli, make_image(make_tar({file("index.wasm", module)}), {}, "fine-v1:1.0.0"));
    REQUIRE(ok);
    REQUIRE_MESSAGE(ok->status == 200, ok->body);
    REQUIRE(cli->Delete("/mcm/v1/images/test-client-fine-v1")->status == 200);
  }
  const auto store_before = files_in(tmp / "data");
  const auto listed_before = json_of(cli->Get("/mcm/v1/images"));
  const std::string layer = make_tar({file("index.wasm", module)});
  auto sparse = [](std::string name, int64_t size) {
    Entry e = file(std::move(name), "x");
    e.sparse_size = size;
    return e;
  };
  std::vector<Entry> many_outer, many_layer = {file("index.wasm", module)};
  for (int i = 0; i < 200; ++i) {
    std::string name = "f";  // (not "f" + to_string: g++ 12 warns falsely about it, -Wrestrict)
    name += std::to_string(i);
    many_outer.push_back(file(name, "x"));
    many_layer.push_back(file(name, "x"));
  }

  std::vector<Case> cases = {
      {"`..` in the image", make_image(layer, {file("../evil", "x")}), "`..`"},
      {"`..` hidden in the middle", make_image(layer, {file("a/../../evil", "x")}), "`..`"},
      {"absolute path in the image", make_image(layer, {file("/etc/evil", "x")}), "absolute"},
      {"`..` in the layer", make_image(make_tar({file("index.wasm", module), file("../../x", "y")})), "`..`"},
      {"absolute index path in the layer", make_image(make_tar({file("/index.wasm", module)})), "absolute"},
      {"symlink in the image", make_image(layer, {{"link", "", AE_IFLNK, "/etc/passwd"}}), "symbolic link"},
      {"symlink as the index file", make_image(make_tar({{"index.wasm", "", AE_IFLNK, "/etc/passwd"}})), "symbolic link"},
      {"hard link in the image", make_image(layer, {{"hard", "", AE_IFREG, "manifest.json", true}}), "hard link"},
      {"hard link in the layer",
       make_image(make_tar({file("index.wasm", module), {"index2", "", AE_IFREG, "index.wasm", true}})), "hard link"},
      {"character device", make_image(layer, {{"null", "", AE_IFCHR}}), "device"},
      {"block device in the layer", make_image(make_tar({file("index.wasm", module), {"sda", "", AE_IFBLK}})), "device"},
      {"fifo in the layer", make_image(make_tar({file("index.wasm", module), {"pipe", "", AE_IFIFO}})), "device"},
      {"duplicate entry", make_image(layer, {file("manifest.json", "[]")}), "twice"},
      {"duplicate entry spelled differently", make_image(layer, {file("./manifest.json", "[]")}), "twice"},
      {"duplicate index in the layer", make_image(make_tar({file("index.wasm", module), file("./index.wasm", module)})), "twice"},
      {"no index file in the layer", make_image(make_tar({file("main.wasm", module)})), "no index.wasm"},
      {"empty layer", make_image(make_tar({})), "no index.wasm"},
      {"several index files in the layer", make_image(make_tar({file("index.wasm", module), file("index.js", "x")})),
       "several index files"},
      {"two layers", make_image(layer, {}, "", json::array({{{"Config", config_name()}, {"RepoTags", {"evil-v1:1"}},
                                                              {"Layers", {"a1b2c3d4e5f6/layer.tar", "a1b2c3d4e5f6/layer.tar"}}}}).dump()),
       "layers"},
      {"too many entries (tar bomb)", make_image(layer, many_outer), "entries"},
      {"too many entries in the layer (tar bomb)", make_image(make_tar(many_layer)), "entries"},
      {"sparse file declaring 4 GiB (tar bomb)", make_image(layer, {sparse("bomb", int64_t(1) << 32)}), "limit"},
      {"sparse index declaring 2 GiB (tar bomb)", make_image(make_tar({sparse("index.wasm", int64_t(1) << 31)})), "limit"},
      {"module over 32 MiB", make_image(make_tar({file("index.wasm", module + std::string(33u << 20, 'x'))})), "limit"},
      {"image over 64 MiB", make_image(layer, {file("padding", std::string(65u << 20, 'p'))}), "limit"},
      {"empty upload", "", "empty"},
      {"tar of zeros", std::string(10240, '\0'), ""},
      {"image name with `..`", make_image(layer, {}, "../../../evil-v1:1.0.0"), "name"},
      {"image name with a slash", make_image(layer, {}, "a/b-v1:1.0.0"), "name"},
      {"image name with a newline", make_image(layer, {}, "evil\nGET /mcm/v1/images 200-v1:1.0.0"), "name"},
  };
  int refused = 0;
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto res = upload(*cli, c.tar);
    REQUIRE(res);
    CHECK_MESSAGE((res->status >= 400 && res->status < 500), res->status << " " << res->body.substr(0, 300));
    auto err = json_of(res)["error"];
    REQUIRE_MESSAGE(err.is_object(), res->body.substr(0, 300));
    CHECK(err["code"] == res->status);
    const std::string message = err["message"].get<std::string>();
    CHECK_MESSAGE(message.find(c.expect) != std::string::npos, message);
    if (res->status >= 400 && res->status < 500) ++refused;
  }
  // Over the node's upload limit (80 MiB with the multipart framing): 413 before anything is stored.
  {
    auto res = upload(*cli, std::string(81u << 20, 'z'));
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(json_of(res)["error"]["code"] == 413);
    refused += res->status == 413;
  }
  MESSAGE("hostile images tried: " << cases.size() + 1 << ", refused with 4xx: " << refused);
  CHECK(json_of(cli->Get("/mcm/v1/images")) == listed_before);
  CHECK(files_in(tmp / "data") == store_before);
  CHECK(node_answers(node.port()));
  CHECK(node.log().find("evil\n") == std::string::npos);  // nothing a client sent forges a log line
}
