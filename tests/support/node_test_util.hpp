#pragma once
// Shared by the edge-node end-to-end tests: test modules, images, and mCM calls over real HTTP.
#include <map>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace edge::test::node {

// Options for a node with its data in `data_dir` (token "test-token", client id "test-client").
inline NodeProcess::Options node_options(const std::filesystem::path& data_dir) {
  NodeProcess::Options o;
  o.data_dir = data_dir;
  return o;
}
// The same, with more of edge-node's options (e.g. {"--engine", "interp"}).
inline NodeProcess::Options node_options(const std::filesystem::path& data_dir, std::vector<std::string> extra_args) {
  NodeProcess::Options o = node_options(data_dir);
  o.extra_args = std::move(extra_args);
  return o;
}

// A module built from tests/data/node/<stem>.wat (EDGE_TEST_WASM_DIR).
std::string test_module(const std::string& stem);
// A docker-save image around `wasm`, as `edge pack` writes it.
std::string image_tar(const std::string& name, const std::string& version, const std::string& wasm);

// A client of `node` that sends its token (if `token` is empty: none).
std::unique_ptr<httplib::Client> client(const NodeProcess& node, const std::string& token);
inline std::unique_ptr<httplib::Client> client(const NodeProcess& node) { return client(node, node.token()); }

httplib::Result upload(httplib::Client& cli, const std::string& tar, const std::string& field = "image");
httplib::Result start_container(httplib::Client& cli, const std::string& name,
                                std::map<std::string, std::string> env = {}, const std::string& image = "");
nlohmann::json json_of(const httplib::Result& res);                          // null json when there is no response
std::string service_path(const NodeProcess& node, const std::string& base);  // "/<clientId><base>"

}  // namespace edge::test::node
