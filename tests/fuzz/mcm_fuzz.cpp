// The node's handling of mCM request bodies: image uploads (the tar behind POST /mcm/v1/images)
// and container starts (the JSON behind POST /mcm/v1/containers), on a real Node with a real data
// dir. The first byte picks the call. Whatever arrives, the node answers with a status and JSON
// and keeps a store it can reopen.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>

#include "edge/node/interp_engine.hpp"
#include "node.hpp"

namespace {
// One node for the whole run; its data dir goes away with it at exit.
struct FuzzNode {
  std::filesystem::path dir;
  std::unique_ptr<edge::node::Node> node;
  FuzzNode() {
    char tmpl[] = "/tmp/edge-fuzz-mcm-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir = tmpl;
    edge::node::NodeOptions options{
        dir, {"fuzz-client", std::nullopt, {}, false, std::nullopt, std::nullopt, {}, false}, 0};
    node = std::make_unique<edge::node::Node>(options, edge::node::make_interp_engine());
    if (!node->open().ok()) std::abort();
  }
  ~FuzzNode() {
    node.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

edge::node::Node& node() {
  static FuzzNode instance;
  return *instance.node;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> body(data + 1, size - 1);
  edge::Result<nlohmann::json> reply = nlohmann::json();
  if (data[0] % 2 == 0) {
    reply = node().upload_image("fuzz-client", body);
  } else {
    auto json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    reply = node().start_container("fuzz-client", json);
  }
  // Bad input is the caller's fault, said in words: never an internal error, never a blank one.
  if (reply) {
    (void)reply->dump();
  } else {
    if (reply.error().kind == edge::ErrorKind::Internal || reply.error().kind == edge::ErrorKind::Failed) std::abort();
    if (reply.error().message.empty()) std::abort();
  }
  return 0;
}
