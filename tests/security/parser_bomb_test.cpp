// Issue 13's parser bomb through the front door. Its time is held to a baseline measured in the same
// test (a harmless upload of the same size), never to a figure: the upload alone takes most of a
// second on one machine and a third of it on another.
#include <doctest/doctest.h>

#include <chrono>

#include "hostile_tar.hpp"
#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;

// A 60 MiB image whose manifest.json is 30 Mi
// '[' then 30 Mi ']'. A recursive JSON parser given this takes seconds and gigabytes; the node must
// refuse it by its size before parsing, in about the time the upload takes, without holding the
// upload more than once or twice.
TEST_CASE(
    "a 60 MiB manifest of nested brackets is refused as fast as a plain upload of its size, without the memory it asks "
    "for") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  const std::string module = test_module("node_hello_v1");
  const std::string bomb = std::string(30u << 20, '[') + std::string(30u << 20, ']');
  const std::string tar = make_image(make_tar({TarEntry("index.wasm", module)}), {},
                                     {.tag = "evil-v1:1.0.0", .manifest = bomb, .repositories = false});
  REQUIRE(tar.size() > (60u << 20));
  const long peak_before = node_rss_kib(tmp / "data", "VmHWM:");
  REQUIRE(peak_before > 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto res = upload(*cli, tar);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK_MESSAGE(json_of(res)["error"]["message"].get<std::string>().find("manifest.json is larger than the limit") !=
                    std::string::npos,
                res->body);
  const long growth_kib = node_rss_kib(tmp / "data", "VmHWM:") - peak_before;
  MESSAGE("60 MiB nested manifest: " << res->status << " in " << took.count()
                                     << " ms (upload included), node peak RSS +" << growth_kib / 1024 << " MiB");
  CHECK(growth_kib < 100 * 1024);
  CHECK(json_of(cli->Get("/mcm/v1/images"))["data"].empty());
  CHECK(node_answers(node.port()));

  // The baseline: an image of the same size whose bulk is plain files beside the module, refused by
  // a cheap check once read (a layer holds at most 32 MiB). Both cost the upload and a read of the
  // tar; parsing the bomb instead of refusing it by its size would take many times longer (seconds
  // and gigabytes).
  std::vector<TarEntry> layer = {TarEntry("index.wasm", module)};
  for (int i = 0; i < 4; ++i) layer.emplace_back("data/padding-" + std::to_string(i), std::string(15u << 20, 'x'));
  ImageLayout plain_layout;
  plain_layout.tag = "plain-v1:1.0.0";
  const std::string plain = make_image(make_tar(layer), {}, plain_layout);
  const auto t1 = std::chrono::steady_clock::now();
  auto baseline = upload(*cli, plain);
  const auto plain_took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t1);
  REQUIRE(baseline);
  MESSAGE("a plain upload of the same size: " << baseline->status << " in " << plain_took.count() << " ms");
  CHECK_MESSAGE(baseline->status == 400, baseline->body);
  CHECK(baseline->body.find("exceed the limit") != std::string::npos);
  CHECK(took < 3 * plain_took + std::chrono::milliseconds(100));  // +100 ms: scheduler noise on tiny figures
}
