#include "node_test_util.hpp"

#include <doctest/doctest.h>

#include "edge/core/image.hpp"

namespace edge::test::node {

std::string test_module(const std::string& stem) {
  auto bytes = read_file(std::filesystem::path(EDGE_TEST_WASM_DIR) / (stem + ".wasm"));
  REQUIRE_MESSAGE(!bytes.empty(), "test module " << stem << " was not built");
  return bytes;
}

std::string image_tar(const std::string& name, const std::string& version, const std::string& wasm) {
  auto tar = write_image({name, version, std::vector<uint8_t>(wasm.begin(), wasm.end())});
  return std::string(tar.begin(), tar.end());
}

std::unique_ptr<httplib::Client> client(const NodeProcess& node, const std::string& token) {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", node.port());
  cli->set_connection_timeout(5, 0);
  cli->set_read_timeout(30, 0);
  if (!token.empty()) cli->set_bearer_token_auth(token.c_str());
  return cli;
}

httplib::Result upload(httplib::Client& cli, const std::string& tar, const std::string& field) {
  httplib::MultipartFormDataItems items = {{field, tar, "image.tar", "application/tar"}};
  return cli.Post("/mcm/v1/images", items);
}

httplib::Result start_container(httplib::Client& cli, const std::string& name, std::map<std::string, std::string> env,
                                const std::string& image) {
  if (!env.contains("MCM.BASE_API_PATH")) {
    auto dash = name.rfind("-v");
    env["MCM.BASE_API_PATH"] = "/" + name.substr(0, dash) + "/v1";
  }
  nlohmann::json body = {{"name", name}, {"image", image.empty() ? name : image}, {"env", env}};
  return cli.Post("/mcm/v1/containers", body.dump(), "application/json");
}

nlohmann::json json_of(const httplib::Result& res) {
  if (!res) return nullptr;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

std::string service_path(const NodeProcess& node, const std::string& base) { return "/" + node.client_id() + base; }

}  // namespace edge::test::node
