// Hostile images through POST /mcm/v1/images on a real node (issue 7): every case is refused with
// a 4xx JSON error naming the problem, and the image store (GET /mcm/v1/images and the files in
// the data dir) is unchanged afterwards. The tars come from tests/support/hostile_tar.hpp, including
// ones `edge pack` would never write. Not repeated here (tests/node/node_api_test.cpp has them):
// not a tar, a truncated tar, a wrong form field, no multipart, a module failing validation.
#include <doctest/doctest.h>

#include "hostile_tar.hpp"
#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

TarEntry file(std::string name, std::string content) { return TarEntry(std::move(name), std::move(content)); }

// Tagged evil-v1, so that an image accepted by mistake shows up as a new image in the store;
// without the optional `repositories` file, which the node does not need.
std::string evil_image(const std::string& layer, const std::vector<TarEntry>& extra = {},
                       const std::string& tag = "evil-v1:1.0.0", const std::string& manifest = {}) {
  return make_image(layer, extra, {.tag = tag, .manifest = manifest, .repositories = false});
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string() + ":" +
                  (e.is_regular_file() ? std::to_string(e.file_size()) : "d"));
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
    auto ok = upload(*cli, evil_image(make_tar({file("index.wasm", module)}), {}, "fine-v1:1.0.0"));
    REQUIRE(ok);
    REQUIRE_MESSAGE(ok->status == 200, ok->body);
    REQUIRE(cli->Delete("/mcm/v1/images/test-client-fine-v1")->status == 200);
  }
  const auto store_before = files_in(tmp / "data");
  const auto listed_before = json_of(cli->Get("/mcm/v1/images"));
  const std::string layer = make_tar({file("index.wasm", module)});
  auto sparse = [](std::string name, int64_t size) {
    TarEntry e = file(std::move(name), "x");
    e.sparse_size = size;
    return e;
  };
  std::vector<TarEntry> many_outer, many_layer = {file("index.wasm", module)};
  for (int i = 0; i < 200; ++i) {
    std::string name = "f";  // (not "f" + to_string: g++ 12 warns falsely about it, -Wrestrict)
    name += std::to_string(i);
    many_outer.push_back(file(name, "x"));
    many_layer.push_back(file(name, "x"));
  }

  std::vector<Case> cases = {
      {"`..` in the image", evil_image(layer, {file("../evil", "x")}), "`..`"},
      {"`..` hidden in the middle", evil_image(layer, {file("a/../../evil", "x")}), "`..`"},
      {"absolute path in the image", evil_image(layer, {file("/etc/evil", "x")}), "absolute"},
      {"`..` in the layer", evil_image(make_tar({file("index.wasm", module), file("../../x", "y")})), "`..`"},
      {"absolute index path in the layer", evil_image(make_tar({file("/index.wasm", module)})), "absolute"},
      {"symlink in the image", evil_image(layer, {{"link", "", AE_IFLNK, "/etc/passwd"}}), "symbolic link"},
      {"symlink as the index file", evil_image(make_tar({{"index.wasm", "", AE_IFLNK, "/etc/passwd"}})),
       "symbolic link"},
      {"hard link in the image", evil_image(layer, {{"hard", "", AE_IFREG, "manifest.json", true}}), "hard link"},
      {"hard link in the layer",
       evil_image(make_tar({file("index.wasm", module), {"index2", "", AE_IFREG, "index.wasm", true}})), "hard link"},
      {"character device", evil_image(layer, {{"null", "", AE_IFCHR}}), "device"},
      {"block device in the layer", evil_image(make_tar({file("index.wasm", module), {"sda", "", AE_IFBLK}})),
       "device"},
      {"fifo in the layer", evil_image(make_tar({file("index.wasm", module), {"pipe", "", AE_IFIFO}})), "device"},
      {"duplicate entry", evil_image(layer, {file("manifest.json", "[]")}), "twice"},
      {"duplicate entry spelled differently", evil_image(layer, {file("./manifest.json", "[]")}), "twice"},
      {"duplicate index in the layer", evil_image(make_tar({file("index.wasm", module), file("./index.wasm", module)})),
       "twice"},
      {"no index file in the layer", evil_image(make_tar({file("main.wasm", module)})), "no index.wasm"},
      {"empty layer", evil_image(make_tar({})), "no index.wasm"},
      {"several index files in the layer", evil_image(make_tar({file("index.wasm", module), file("index.js", "x")})),
       "several index files"},
      {"two layers",
       evil_image(layer, {}, "",
                  json::array({{{"Config", image_config_name()},
                                {"RepoTags", {"evil-v1:1"}},
                                {"Layers", {"a1b2c3d4e5f6/layer.tar", "a1b2c3d4e5f6/layer.tar"}}}})
                      .dump()),
       "layers"},
      {"too many entries (tar bomb)", evil_image(layer, many_outer), "entries"},
      {"too many entries in the layer (tar bomb)", evil_image(make_tar(many_layer)), "entries"},
      {"sparse file declaring 4 GiB (tar bomb)", evil_image(layer, {sparse("bomb", int64_t(1) << 32)}), "limit"},
      {"sparse index declaring 2 GiB (tar bomb)", evil_image(make_tar({sparse("index.wasm", int64_t(1) << 31)})),
       "limit"},
      {"module over 32 MiB", evil_image(make_tar({file("index.wasm", module + std::string(33u << 20, 'x'))})), "limit"},
      {"image over 64 MiB", evil_image(layer, {file("padding", std::string(65u << 20, 'p'))}), "limit"},
      {"empty upload", "", "empty"},
      {"tar of zeros", std::string(10240, '\0'), ""},
      {"image name with `..`", evil_image(layer, {}, "../../../evil-v1:1.0.0"), "name"},
      {"image name with a slash", evil_image(layer, {}, "a/b-v1:1.0.0"), "name"},
      {"image name with a newline", evil_image(layer, {}, "evil\nGET /mcm/v1/images 200-v1:1.0.0"), "name"},
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
