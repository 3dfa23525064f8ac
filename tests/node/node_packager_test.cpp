// mimik's own image packager (npm @mimik/edge-ms-packager 1.1.5, installed by scripts/setup.sh
// into .cache/npm) makes an image that our node accepts, starts and serves.
#include <doctest/doctest.h>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
namespace fs = std::filesystem;

TEST_CASE("an image packed by @mimik/edge-ms-packager deploys and answers") {
  const fs::path packager = fs::path(EDGE_NPM_CACHE_DIR) / "node_modules/@mimik/edge-ms-packager/index.js";
  REQUIRE_MESSAGE(fs::exists(packager), "run ./scripts/setup.sh: it installs @mimik/edge-ms-packager into .cache/npm");

  // The packager's own project layout: package.json (the version), config/default.yml.
  TempDir project;
  write_file(project / "package.json", R"({"name": "mimik-hello", "version": "1.2.3"})");
  write_file(
      project / "config/default.yml",
      "package:\n  imageName: mimik-hello\n  imageIndexFilePath: ./build/index.wasm\n  outputFolder: ./deploy\n");
  write_file(project / "build/index.wasm", test_module("node_hello_v1"));
  auto packed = run({"node", packager.string()}, project.path(), {{"NODE_CONFIG_DIR", (project / "config").string()}});
  INFO(packed.out << packed.err);
  REQUIRE(packed.exit_code == 0);
  const fs::path tar = project / "deploy/mimik-hello-v1-1.2.3.tar";
  REQUIRE(fs::exists(tar));

  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  auto up = upload(*cli, read_file(tar));
  REQUIRE(up);
  REQUIRE_MESSAGE(up->status == 200, up->body);
  auto img = json_of(up);
  CHECK(img["id"] == "test-client-mimik-hello-v1");
  CHECK(img["repoTags"] == nlohmann::json({"mimik-hello-v1:1.2.3", "runtime:wasm"}));

  auto started = start_container(*cli, "mimik-hello-v1", {{"MCM.BASE_API_PATH", "/mimik-hello/v1"}});
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status == 200, started->body);
  auto r = cli->Get(service_path(node, "/mimik-hello/v1") + "/");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello v1");
  CHECK(cli->Get("/mcm/v1/images/test-client-mimik-hello-v1/tarball")->body == read_file(tar));
}
