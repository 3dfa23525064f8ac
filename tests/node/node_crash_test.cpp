// Crash safety: SIGKILL the node in the middle of image uploads and deploys, restart it, and
// every image and container is either fully there or absent (issue 7).
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
namespace fs = std::filesystem;

namespace {

// A valid module made large by a custom section, so an upload takes long enough to be cut.
std::string padded_module(const std::string& wasm, size_t pad_bytes) {
  std::string out = wasm;
  std::string payload = std::string("\x07padding", 8) + std::string(pad_bytes, 'p');
  out += '\0';  // custom section
  size_t n = payload.size();
  do {  // LEB128 size
    uint8_t byte = n & 0x7f;
    n >>= 7;
    out += static_cast<char>(n ? byte | 0x80 : byte);
  } while (n);
  return out + payload;
}

}  // namespace

TEST_CASE("SIGKILL during uploads and deploys leaves every image and container whole or absent") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  const std::string hello = test_module("node_hello_v1");
  std::map<std::string, std::set<std::string>> uploaded;  // image name -> every tar ever sent for it
  std::mt19937 rng(42);
  int rounds = 0, killed_mid_request = 0;

  for (int round = 0; round < 6; ++round) {
    REQUIRE(node.start());
    std::atomic<bool> stop{false};
    std::atomic<int> requests{0};
    std::vector<std::pair<std::string, std::string>> plan;
    for (int i = 0; i < 8; ++i) {
      std::string name = "svc" + std::to_string(i % 4) + "-v1";
      plan.emplace_back(name,
                        image_tar(name, "1.0." + std::to_string(round * 10 + i), padded_module(hello, (1 + i) << 18)));
      uploaded[name].insert(plan.back().second);
    }
    std::thread worker([&] {
      auto cli = client(node);
      for (const auto& [name, tar] : plan) {
        if (stop) return;
        ++requests;
        upload(*cli, tar);
        if (stop) return;
        start_container(*cli, name);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 300)(rng)));
    stop = true;
    node.stop(SIGKILL);
    worker.join();
    if (requests < static_cast<int>(plan.size())) ++killed_mid_request;
    ++rounds;

    // Restarted, the node must show only complete state.
    REQUIRE(node.start());
    auto cli = client(node);
    auto images = json_of(cli->Get("/mcm/v1/images"))["data"];
    std::set<std::string> image_names;
    for (const auto& img : images) {
      const std::string name = img["name"], id = img["id"];
      image_names.insert(name);
      auto tar = cli->Get("/mcm/v1/images/" + id + "/tarball");
      REQUIRE(tar);
      CHECK_MESSAGE(uploaded[name].contains(tar->body), "image " << id << " is not one that was uploaded");
      CHECK(img["size"] == tar->body.size());
    }
    for (const auto& c : json_of(cli->Get("/mcm/v1/containers"))["data"]) {
      const std::string name = c["name"];
      CHECK(image_names.contains(name));
      CHECK(c["state"] == "started");
      auto r = cli->Get(service_path(node, "/" + name.substr(0, name.size() - 3) + "/v1") + "/");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->body == "hello v1");
    }
    for (const auto& dir : {"images", "containers"})
      for (const auto& e : fs::directory_iterator(tmp / "data" / dir))
        CHECK_MESSAGE(!e.path().filename().string().starts_with(".tmp-"), "leftover " << e.path());
    node.stop(SIGKILL);
  }
  MESSAGE("crash-restart rounds: " << rounds << ", killed with requests outstanding: " << killed_mid_request);
}

TEST_CASE("service storage committed before a SIGKILL is intact and survives a redeploy of the same name") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  const std::string path = service_path(node, "/kv/v1") + "/";
  REQUIRE(upload(*cli, image_tar("kv-v1", "1.0.0", test_module("node_kv_writer")))->status == 200);
  REQUIRE(start_container(*cli, "kv-v1")->status == 200);
  auto put = cli->Get(path);
  REQUIRE(put);
  REQUIRE(put->body == "stored");  // answered after storage.set_item returned

  node.stop(SIGKILL);
  REQUIRE(node.start());
  // Another version of the same service reads what the first one stored.
  REQUIRE(upload(*cli, image_tar("kv-v1", "2.0.0", test_module("node_kv_reader")))->status == 200);
  auto redeployed = start_container(*cli, "kv-v1");
  REQUIRE(redeployed);
  REQUIRE_MESSAGE(redeployed->status == 200, redeployed->body);
  auto got = cli->Get(path);
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK_MESSAGE(got->body.find("stored-before-redeploy") != std::string::npos, got->body);

  // A different service does not see it: storage is per service.
  REQUIRE(upload(*cli, image_tar("other-v1", "1.0.0", test_module("node_kv_reader")))->status == 200);
  REQUIRE(start_container(*cli, "other-v1")->status == 200);
  auto other = cli->Get(service_path(node, "/other/v1") + "/");
  REQUIRE(other);
  CHECK(other->body.find("stored-before-redeploy") == std::string::npos);
}
