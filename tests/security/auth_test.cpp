// Auth of the mCM API on a real node (issue 7), beyond tests/node/node_api_test.cpp (which covers
// 401 on list/upload/start/delete-image, the token file's mode with --token and a generated
// token, and the token's absence from the log): every other mCM route, odd Authorization
// headers, path spellings that might slip past the check, the token file under umask 0, and the
// token kept out of every log even when clients send it around.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <doctest/doctest.h>

#include "security_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
using namespace edge::test::security;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
const std::string kToken = "Zq8-secret-token-4f1c9b7e2d";
}

TEST_CASE("every mCM route refuses a missing (401) or wrong (403) token and changes nothing") {
  TempDir tmp;
  auto opts = node_options(tmp / "data");
  opts.token = kToken;
  NodeProcess node(opts);
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  const auto images = json_of(cli->Get("/mcm/v1/images"));
  const auto containers = json_of(cli->Get("/mcm/v1/containers"));
  const std::string hello = service_path(node, "/hello/v1") + "/";

  int refused = 0, tried = 0;
  for (const std::string& header :
       std::vector<std::string>{std::string(), "Bearer wrong", "Bearer " + kToken.substr(0, kToken.size() - 1),
                                "Bearer " + kToken + "x", "Bearer  " + kToken, "Basic " + kToken, kToken,
                                "Bearer " + kToken.substr(1), "Bearer", "Bearer ", "Token " + kToken}) {
    CAPTURE(header);
    httplib::Client c("127.0.0.1", node.port());
    httplib::Headers h;
    if (!header.empty()) h.emplace("Authorization", header);
    std::vector<httplib::Result> results;
    results.push_back(c.Get("/mcm/v1/containers", h));
    results.push_back(c.Get("/mcm/v1/mims", h));
    results.push_back(c.Get("/mcm/v1/containers/test-client-hello-v1", h));
    results.push_back(c.Get("/mcm/v1/containers/test-client-hello-v1/logs", h));
    results.push_back(c.Get("/mcm/v1/images/test-client-hello-v1", h));
    results.push_back(c.Get("/mcm/v1/images/test-client-hello-v1/tarball", h));
    results.push_back(c.Get("/mcm/v1/stats", h));
    results.push_back(c.Delete("/mcm/v1/containers/test-client-hello-v1", h));
    results.push_back(c.Delete("/mcm/v1/mims/test-client-hello-v1", h));
    results.push_back(c.Delete("/mcm/v1/images/test-client-hello-v1", h));
    results.push_back(c.Post("/mcm/v1/containers", h,
                             R"({"name":"hello-v1","image":"hello-v1","env":{"MCM.BASE_API_PATH":"/evil/v1"}})",
                             "application/json"));
    results.push_back(c.Put("/mcm/v1/containers/test-client-hello-v1", h, "{}", "application/json"));
    results.push_back(c.Head("/mcm/v1/images", h));
    // No bearer credential at all: 401 (with WWW-Authenticate); a bearer that is wrong: 403.
    const bool has_bearer = header.size() > 7 && (header.starts_with("Bearer ") || header.starts_with("bearer "));
    for (auto& r : results) {
      ++tried;
      REQUIRE(r);
      CHECK(r->status == (has_bearer ? 403 : 401));
      CHECK(r->body.find("hello-v1") == std::string::npos);
      refused += r->status == 401 || r->status == 403;
    }
  }
  MESSAGE("mCM calls with a missing or wrong token: " << tried << ", refused with 401 or 403: " << refused);
  CHECK(json_of(cli->Get("/mcm/v1/images")) == images);
  CHECK(json_of(cli->Get("/mcm/v1/containers")) == containers);
  CHECK(cli->Get(hello)->body == "hello v1");
  CHECK(cli->Get(service_path(node, "/evil/v1") + "/")->status == 404);

  // The scheme name is case-insensitive (RFC 7235); the token itself is not.
  httplib::Client lower("127.0.0.1", node.port());
  CHECK(lower.Get("/mcm/v1/images", {{"Authorization", "bearer " + kToken}})->status == 200);
  std::string upper = kToken;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(lower.Get("/mcm/v1/images", {{"Authorization", "Bearer " + upper}})->status == 403);
}

TEST_CASE("path spellings do not slip past the token check") {
  TempDir tmp;
  auto opts = node_options(tmp / "data");
  opts.token = kToken;
  NodeProcess node(opts);
  REQUIRE(node.start());
  auto cli = client(node);
  deploy(*cli, "hello-v1", "node_hello_v1", "hello-v1");
  for (const std::string& target : std::vector<std::string>{
           "/%6dcm/v1/images", "/mcm/v1/%69mages", "//mcm/v1/images", "/./mcm/v1/images", "/MCM/v1/images",
           "/mcm/v1/images/", "/mcm/v1//images", "/x/../mcm/v1/images", "/mcm/v1/images?token=" + kToken,
           "/test-client/../mcm/v1/images", "/mcm/v1/containers/test-client-hello-v1%2Flogs"}) {
    CAPTURE(target);
    RawConnection c(node.port());
    REQUIRE(c.connected());
    REQUIRE(c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const std::string response = c.read_response(10s);
    const int status = status_of(response);
    CHECK_MESSAGE((status == 401 || status == 404 || status == 400), response.substr(0, 200));
    CHECK(body_of(response).find("test-client-hello-v1") == std::string::npos);
  }
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].size() == 1);
}

TEST_CASE("a token created under umask 0 is still 0600, and the token never reaches any log") {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const int port = free_port();
  const fs::path log = tmp / "node.log";
  std::fflush(stdout);
  const mode_t old_umask = umask(0);
  pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "a", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(node_bin().c_str(), "edge-node", "--port", std::to_string(port).c_str(), "--data-dir", data.c_str(),
          "--client-id", "test-client", nullptr);
    _exit(127);
  }
  umask(old_umask);
  REQUIRE(pid > 0);
  std::string token;
  for (int i = 0; i < 250 && token.empty(); ++i) {
    std::this_thread::sleep_for(20ms);
    token = read_file(data / "token");
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  }
  REQUIRE(token.size() >= 32);
  struct stat st{};
  REQUIRE(stat((data / "token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK((st.st_mode & 0077) == 0);

  httplib::Client cli("127.0.0.1", port);
  cli.set_bearer_token_auth(token.c_str());
  bool ready = false;
  for (int i = 0; i < 250 && !ready; ++i) {
    auto r = cli.Get("/mcm/v1/images");
    ready = r && r->status == 200;
    if (!ready) std::this_thread::sleep_for(20ms);
  }
  REQUIRE(ready);
  // Deploy, then send the token everywhere a careless client might: to a service, in a query
  // string, in a wrong-token attempt that contains it, in the path.
  REQUIRE(upload(cli, image_tar("hello-v1", "1.0.0", test_module("node_hello_v1")))->status == 200);
  REQUIRE(start_container(cli, "hello-v1")->status == 200);
  httplib::Client anon("127.0.0.1", port);
  const std::string hello = "/test-client/hello/v1/";
  CHECK(anon.Get(hello, {{"Authorization", "Bearer " + token}})->status == 200);
  CHECK(anon.Get(hello + "?token=" + token)->status == 200);
  CHECK(anon.Get("/mcm/v1/images?access_token=" + token)->status == 401);
  CHECK(anon.Get("/mcm/v1/images", {{"Authorization", "Bearer " + token + token}})->status == 403);
  CHECK(anon.Get("/mcm/v1/" + token)->status == 401);
  CHECK(cli.Get("/mcm/v1/nothing-" + token)->status == 404);

  const std::string service_log = cli.Get("/mcm/v1/containers/test-client-hello-v1/logs")->body;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string node_log = read_file(log);
  CHECK(!node_log.empty());
  const auto at = node_log.find(token);
  CHECK_MESSAGE(at == std::string::npos, node_log.substr(at == std::string::npos ? 0 : (at > 80 ? at - 80 : 0), 160));
  CHECK(service_log.find(token) == std::string::npos);
  for (const auto& e : fs::recursive_directory_iterator(data / "logs"))
    if (e.is_regular_file()) CHECK_MESSAGE(read_file(e.path()).find(token) == std::string::npos, e.path());
}

TEST_CASE(
    "mim OE's API key: MCM_API_KEY is a bearer too, each call scoped by x-client-id (default api), edge uses it") {
  TempDir tmp;
  auto opts = node_options(tmp / "data");
  opts.token = kToken;
  NodeProcess node(opts);
  REQUIRE(node.start());
  const auto key_file = tmp / "data" / "mimoe-api-key.env";
  struct stat st{};
  REQUIRE(::stat(key_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string text = read_file(key_file);
  CHECK(text.find("ACCOUNT_API_KEY=") != std::string::npos);
  const auto at = text.find("MCM_API_KEY=");
  REQUIRE(at != std::string::npos);
  const std::string key = text.substr(at + 12, text.find('\n', at) - at - 12);
  CHECK(key.size() == 64);
  CHECK(node.log().find(key) == std::string::npos);  // the path is printed, never the key

  // With the key and no x-client-id, everything is client "api"'s.
  auto as_api = client(node, key);
  deploy(*as_api, "hello-v1", "node_hello_v1", "hello-v1");
  auto container = json_of(as_api->Get("/mcm/v1/containers/hello-v1"));
  CHECK(container["id"] == "api-hello-v1");
  CHECK(container["clientId"] == "api");
  CHECK(container["env"]["MCM.BASE_API_PATH"] == "/api/hello/v1");
  CHECK(as_api->Get("/api/hello/v1/")->body == "hello v1");
  // x-client-id chooses another client: its own images, containers and URLs.
  httplib::Client as_team("127.0.0.1", node.port());
  as_team.set_bearer_token_auth(key);
  as_team.set_default_headers({{"x-client-id", "team"}});
  CHECK(json_of(as_team.Get("/mcm/v1/containers"))["data"].empty());  // not api's
  deploy(as_team, "hello-v1", "node_hello_v1", "hello-v1");
  CHECK(json_of(as_team.Get("/mcm/v1/containers"))["data"][0]["id"] == "team-hello-v1");
  CHECK(as_team.Get("/team/hello/v1/")->body == "hello v1");
  CHECK(as_team.Delete("/mcm/v1/containers/api-hello-v1")->status == 404);  // another client's
  // The node's token acts for the node's own client id, which has deployed nothing.
  auto as_node = client(node);
  CHECK(json_of(as_node->Get("/mcm/v1/containers"))["data"].empty());
  CHECK(client(node, key + "x")->Get("/mcm/v1/containers")->status == 403);
  CHECK(as_team.Get("/mcm/v1/containers", {{"x-client-id", "../evil"}})->status == 400);

  // The CLI: --api-key-file (or $MCM_API_KEY), --client-id; a wrong key says what to check.
  auto ls = run({edge_bin().string(), "ls", "--node", node.url(), "--api-key-file", key_file.string(), "--json"});
  INFO(ls.err);
  CHECK(ls.exit_code == 0);
  CHECK(ls.out.find("api-hello-v1") != std::string::npos);
  CHECK(ls.out.find("team-hello-v1") == std::string::npos);
  auto team = run({edge_bin().string(), "ls", "--node", node.url(), "--client-id", "team", "--json"}, {},
                  {{"MCM_API_KEY", key}, {"EDGE_NODE_DATA_DIR", (tmp / "none").string()}});
  CHECK(team.exit_code == 0);
  CHECK(team.out.find("team-hello-v1") != std::string::npos);
  // edge deploy with the key file: the image lands as client "api"'s, its URL under /api/.
  write_file(tmp / "v2.tar", image_tar("hello-v2", "2.0.0", test_module("node_hello_v2")));
  auto deployed = run({edge_bin().string(), "deploy", (tmp / "v2.tar").string(), "--node", node.url(), "--api-key-file",
                       key_file.string()});
  INFO(deployed.out << deployed.err);
  CHECK(deployed.exit_code == 0);
  CHECK(deployed.out.find("/api/hello/v2/") != std::string::npos);
  CHECK(json_of(as_api->Get("/mcm/v1/containers/hello-v2"))["id"] == "api-hello-v2");
  write_file(tmp / "wrong.env", "MCM_API_KEY=not-the-key\n");
  auto wrong = run({edge_bin().string(), "ls", "--node", node.url(), "--api-key-file", (tmp / "wrong.env").string()});
  CHECK(wrong.exit_code != 0);
  CHECK(wrong.err.find("HTTP 403") != std::string::npos);
  CHECK(wrong.err.find("--api-key-file") != std::string::npos);
}

TEST_CASE("client team's service kv-v1 and the node's own team-kv-v1 keep apart storage, and old files move") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  const std::string text = read_file(tmp / "data" / "mimoe-api-key.env");
  const auto at = text.find("MCM_API_KEY=");
  REQUIRE(at != std::string::npos);
  const std::string key = text.substr(at + 12, text.find('\n', at) - at - 12);
  httplib::Client as_team("127.0.0.1", node.port());
  as_team.set_bearer_token_auth(key);
  as_team.set_default_headers({{"x-client-id", "team"}});
  // team's kv-v1 stores a greeting.
  deploy(as_team, "kv-v1", "node_kv_writer", "kv-v1");
  auto put = as_team.Get("/team/kv/v1/");
  REQUIRE(put);
  REQUIRE(put->body == "stored");
  // The node's own client names a service team-kv-v1: the name that once spelled the same file.
  auto own = client(node);
  deploy(*own, "team-kv-v1", "node_kv_reader", "team-kv-v1", {{"MCM.BASE_API_PATH", "/team-kv/v1"}});
  auto got = own->Get(service_path(node, "/team-kv/v1") + "/");
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK_MESSAGE(got->body.find("stored-before-redeploy") == std::string::npos, got->body);

  // A store written where the node once kept other clients' (storage/<client>-<name>.sqlite) is
  // found there at the next start and moved into the client's folder, its data whole.
  node.stop();
  const auto storage = tmp / "data" / "storage";
  const auto moved = storage / "clients" / "c-team" / "kv-v1.sqlite";
  REQUIRE(std::filesystem::exists(moved));
  std::filesystem::rename(moved, storage / "team-kv-v1.sqlite.old");
  std::filesystem::remove_all(storage / "clients");
  std::filesystem::rename(storage / "team-kv-v1.sqlite.old", storage / "team-kv-v1.sqlite");  // the legacy name
  REQUIRE(node.start());
  deploy(as_team, "kv-v1", "node_kv_reader", "kv-v1", {}, "2.0.0");
  auto again = as_team.Get("/team/kv/v1/");
  REQUIRE(again);
  CHECK_MESSAGE(again->body.find("stored-before-redeploy") != std::string::npos, again->body);
  CHECK(std::filesystem::exists(moved));
}
