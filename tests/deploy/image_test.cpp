// The image format: reproducible writing, reading ours and mimik's packager's layout, and
// refusing every kind of hostile tar. The hostile tars come from tests/support/hostile_tar.hpp.
#include <archive.h>
#include <archive_entry.h>
#include <chrono>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edge/core/image.hpp"
#include "hostile_tar.hpp"

namespace {

using namespace edge::test;
using Bytes = std::vector<uint8_t>;
using json = nlohmann::json;

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A minimal valid module: magic + version (enough for the image format, which does not validate Wasm).
const Bytes kModule = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// Layers as `edge pack` writes them (ustar); make_image wraps them in pax, as mimik's packager does.
std::string ustar(const std::vector<TarEntry>& entries) { return make_tar(entries, TarFormat::ustar); }

std::string good_layer() { return ustar({{"index.wasm", str(kModule)}}); }

// Asserts refusal and that the message names the problem.
void check_refused(const std::string& tar, const std::string& expected, const edge::ImageLimits& limits = {}) {
  auto r = edge::read_image(bytes(tar), limits);
  REQUIRE_FALSE(r.ok());
  INFO("message: " << r.error().message);
  CHECK(r.error().message.find(expected) != std::string::npos);
  CHECK_FALSE(r.error().hint.empty());
}

}  // namespace

TEST_CASE("write_image is reproducible and derives ids from content") {
  edge::ImageSpec spec{"hello-v1", "1.0.0", kModule};
  auto a = edge::write_image(spec);
  auto b = edge::write_image(spec);
  CHECK(a == b);
  CHECK(a.size() % 512 == 0);
  spec.module.push_back(0);
  CHECK(edge::write_image(spec) != a);
}

TEST_CASE("write_image round-trips through read_image") {
  edge::ImageSpec spec{"hello-v1", "2.3.4", kModule};
  auto tar = edge::write_image(spec);
  auto img = edge::read_image(tar);
  REQUIRE_MESSAGE(img.ok(), img.error().to_string());
  CHECK(img->name == "hello-v1");
  CHECK(img->version == "2.3.4");
  CHECK(img->repo_tags == std::vector<std::string>{"hello-v1:2.3.4"});
  CHECK(img->index_file == "index.wasm");
  CHECK(img->module == kModule);
  CHECK(img->tar_bytes == tar.size());
  REQUIRE(img->digest.rfind("sha256:", 0) == 0);
  CHECK(img->digest.size() == 7 + 64);
}

TEST_CASE("the layer id is the sha256 of the layer tar, and the config is named by its own digest") {
  edge::ImageSpec spec{"hello-v1", "1.0.0", kModule};
  auto tar = edge::write_image(spec);
  auto layer = edge::write_layer(kModule);
  const std::string layer_id = edge::sha256_hex(layer);
  // Read the outer entries back with libarchive and check the documented layout.
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  std::vector<std::string> names;
  archive_entry* e;
  std::string manifest, config_name, config;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    names.push_back(archive_entry_pathname(e));
    CHECK(archive_entry_mtime(e) == 0);
    CHECK(archive_entry_uid(e) == 0);
    CHECK(archive_entry_gid(e) == 0);
    CHECK((archive_entry_perm(e) == (archive_entry_filetype(e) == AE_IFDIR ? 0555 : 0444)));
    std::string content(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!content.empty()) archive_read_data(a, content.data(), content.size());
    if (names.back() == "manifest.json") manifest = content;
    if (names.back().ends_with(".json") && names.back() != "manifest.json")
      config_name = names.back(), config = content;
    if (names.back() == layer_id + "/VERSION") CHECK(content == "1.0");
    if (names.back() == layer_id + "/layer.tar") CHECK(content == str(layer));
  }
  archive_read_free(a);
  CHECK(names == std::vector<std::string>{layer_id + "/", layer_id + "/VERSION", layer_id + "/json",
                                          layer_id + "/layer.tar", config_name, "manifest.json", "repositories"});
  CHECK(config_name == edge::sha256_hex(config) + ".json");
  auto cj = json::parse(config);
  CHECK(cj["rootfs"]["diff_ids"] == json::array({"sha256:" + layer_id}));
  auto mj = json::parse(manifest);
  CHECK(mj[0]["Layers"] == json::array({layer_id + "/layer.tar"}));
  CHECK(mj[0]["RepoTags"] == json::array({"hello-v1:1.0.0"}));
  CHECK(mj[0]["Config"] == config_name);
}

TEST_CASE("read_image accepts mimik's packager layout (random layer id, pax headers, ./ prefixes)") {
  auto img = edge::read_image(bytes(make_image(ustar({{"./index.wasm", str(kModule), AE_IFREG, "", false, 0644}}))));
  REQUIRE_MESSAGE(img.ok(), img.error().to_string());
  CHECK(img->name == "hello-v1");
  CHECK(img->version == "1.2.3");
  CHECK(img->module == kModule);

  auto js = edge::read_image(bytes(make_image(ustar({{"index.js", "export default {}"}}))));
  REQUIRE(js.ok());
  CHECK(js->index_file == "index.js");
}

TEST_CASE("hostile images are refused with a clear error") {
  SUBCASE("path traversal in the image") { check_refused(make_image(good_layer(), {{"../evil", "x"}}), "`..`"); }
  SUBCASE("path traversal hidden in the middle") {
    check_refused(make_image(good_layer(), {{"a/../../evil", "x"}}), "`..`");
  }
  SUBCASE("absolute path in the image") { check_refused(make_image(good_layer(), {{"/etc/evil", "x"}}), "absolute"); }
  SUBCASE("path traversal in the layer") {
    check_refused(make_image(ustar({{"index.wasm", str(kModule)}, {"../../x", "y"}})), "`..`");
  }
  SUBCASE("absolute path in the layer") {
    check_refused(make_image(ustar({{"/index.wasm", str(kModule)}})), "absolute");
  }
  SUBCASE("symlink in the image") {
    check_refused(make_image(good_layer(), {{"link", "", AE_IFLNK, "/etc/passwd"}}), "symbolic link");
  }
  SUBCASE("symlink as the index file") {
    check_refused(make_image(ustar({{"index.wasm", "", AE_IFLNK, "/etc/passwd"}})), "symbolic link");
  }
  SUBCASE("hard link") {
    check_refused(make_image(good_layer(), {{"hard", "", AE_IFREG, "manifest.json", true}}), "hard link");
  }
  SUBCASE("hard link in the layer") {
    check_refused(make_image(ustar({{"index.wasm", str(kModule)}, {"index2", "", AE_IFREG, "index.wasm", true}})),
                  "hard link");
  }
  SUBCASE("character device") { check_refused(make_image(good_layer(), {{"dev", "", AE_IFCHR}}), "device"); }
  SUBCASE("fifo in the layer") {
    check_refused(make_image(ustar({{"index.wasm", str(kModule)}, {"pipe", "", AE_IFIFO}})), "device");
  }
  SUBCASE("duplicate entry") { check_refused(make_image(good_layer(), {{"manifest.json", "[]"}}), "twice"); }
  SUBCASE("duplicate entry spelled differently") {
    check_refused(make_image(good_layer(), {{"./repositories", "{}"}}), "twice");
  }
  SUBCASE("duplicate index in the layer") {
    check_refused(make_image(ustar({{"index.wasm", str(kModule)}, {"./index.wasm", str(kModule)}})), "twice");
  }
  SUBCASE("no index file in the layer") {
    check_refused(make_image(ustar({{"main.wasm", str(kModule)}})), "no index.wasm");
  }
  SUBCASE("empty layer") { check_refused(make_image(ustar({})), "no index.wasm"); }
  SUBCASE("several index files in the layer") {
    check_refused(make_image(ustar({{"index.wasm", str(kModule)}, {"index.js", "x"}})), "several index files");
  }
  SUBCASE("manifest.json nested deeper than the limit (a parser bomb)") {
    edge::test::ImageLayout layout;
    layout.manifest = std::string(100000, '[') + std::string(100000, ']');
    // Refused by the depth check before any recursive parse: that parse would overflow the stack.
    check_refused(make_image(good_layer(), {}, layout), "nests arrays or objects deeper than 32 levels");
  }
  SUBCASE("manifest.json over the metadata size limit") {
    edge::test::ImageLayout layout;
    layout.manifest = "[\"" + std::string(2u << 20, 'm') + "\"]";
    check_refused(make_image(good_layer(), {}, layout), "manifest.json is larger than the limit");
  }
  SUBCASE("too many entries (tar bomb)") {
    std::vector<TarEntry> many;
    for (int i = 0; i < 100; ++i) many.push_back({"f" + std::to_string(i), "x"});
    check_refused(make_image(good_layer(), many), "entries");
  }
  SUBCASE("too many entries in the layer") {
    std::vector<TarEntry> many = {{"index.wasm", str(kModule)}};
    for (int i = 0; i < 100; ++i) many.push_back({"f" + std::to_string(i), "x"});
    check_refused(make_image(ustar(many)), "entries");
  }
  SUBCASE("upload larger than the limit") {
    edge::ImageLimits limits;
    limits.max_tar_bytes = 4096;
    check_refused(make_image(good_layer(), {{"big", std::string(8192, 'x')}}), "limit", limits);
  }
  SUBCASE("sparse file that expands past the limit (tar bomb)") {
    TarEntry bomb{"bomb", "x"};
    bomb.sparse_size = int64_t(1) << 32;  // 4 GiB declared in a few hundred bytes
    auto tar = make_image(good_layer(), {bomb});
    CHECK(tar.size() < 64 * 1024);
    check_refused(tar, "limit");
  }
  SUBCASE("sparse index file in the layer (tar bomb)") {
    TarEntry bomb{"index.wasm", str(kModule)};
    bomb.sparse_size = int64_t(1) << 31;
    check_refused(make_image(make_tar({bomb}, TarFormat::pax)), "limit");
  }
  SUBCASE("module larger than the limit") {
    edge::ImageLimits limits;
    limits.max_module_bytes = 1024;
    check_refused(make_image(ustar({{"index.wasm", std::string(4096, 'x')}})), "limit", limits);
  }
  SUBCASE("truncated image") {
    auto tar = edge::write_image({"hello-v1", "1.0.0", Bytes(8000, 7)});
    tar.resize(tar.size() / 2);
    check_refused(str(tar), "truncated");
  }
  SUBCASE("truncated inside the header area") {
    auto tar = edge::write_image({"hello-v1", "1.0.0", kModule});
    tar.resize(700);
    check_refused(str(tar), "truncated");
  }
  SUBCASE("not a tar at all") { check_refused("<html><body>hello</body></html>", "not a tar"); }
  SUBCASE("random binary") {
    Bytes junk(4096);
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 131 + 7);
    check_refused(str(junk), "not a tar");
  }
  SUBCASE("empty upload") { check_refused({}, "empty"); }
  SUBCASE("manifest.json missing") {
    check_refused(ustar({{"repositories", "{}"}, {"abc/layer.tar", good_layer()}}), "no manifest.json");
  }
  SUBCASE("manifest.json garbage") {
    check_refused(make_image(good_layer(), {}, {.layer_id = "abc", .manifest = "{{{ not json"}), "not valid JSON");
  }
  SUBCASE("manifest.json wrong shape") {
    check_refused(make_image(good_layer(), {}, {.layer_id = "abc", .manifest = R"({"a":1})"}), "not a list");
  }
  SUBCASE("manifest names a missing layer") {
    const std::string manifest =
        R"([{"Config":")" + image_config_name() + R"(","RepoTags":["a-v1:1.0.0"],"Layers":["zzz/layer.tar"]}])";
    check_refused(make_image(good_layer(), {}, {.layer_id = "abc", .manifest = manifest}),
                  "layer `zzz/layer.tar` is missing");
  }
  SUBCASE("manifest names a missing config") {
    const std::string manifest = R"([{"Config":"x.json","RepoTags":["a-v1:1.0.0"],"Layers":["abc/layer.tar"]}])";
    check_refused(make_image(good_layer(), {}, {.layer_id = "abc", .manifest = manifest}),
                  "config `x.json` is missing");
  }
  SUBCASE("layer is not a tar") {
    check_refused(make_image("this is not a tar, just text that is long enough to matter"), "not a tar");
  }
}

TEST_CASE("read_image reads an image made by mimik's edge-ms-packager 1.1.5") {
  std::ifstream in(std::string(EDGE_DEPLOY_TEST_DATA) + "/mimik-packager-hello-v1-1.0.0.tar", std::ios::binary);
  Bytes tar((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(tar.size() > 1024);
  auto img = edge::read_image(tar);
  REQUIRE_MESSAGE(img.ok(), img.error().to_string());
  CHECK(img->name == "hello-v1");
  CHECK(img->version == "1.0.0");
  CHECK(img->index_file == "index.wasm");
  CHECK(img->digest == "sha256:079e368ff11309907c29b568c3875160cd0f500f3532f72a57a530916fd24dcf");
  REQUIRE(img->module.size() > 8);
  CHECK(img->module[1] == 'a');
  // Re-packed by us: the same module gives our reproducible image, readable the same way.
  auto ours = edge::read_image(edge::write_image({img->name, img->version, img->module}));
  REQUIRE(ours.ok());
  CHECK(ours->module == img->module);
}
