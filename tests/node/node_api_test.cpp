// The mCM API of edge-node: auth, the image store and bad input, over real HTTP.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string fmt_list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + " ";
  return out;
}

}  // namespace

TEST_CASE("mCM calls without a token get 401, with a wrong one 403 (as mim OE), and change nothing") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  const auto tar = image_tar("hello-v1", "1.0.0", test_module("node_hello_v1"));

  for (std::string token : {"", "wrong-token", "test-token-but-longer", "test-toke"}) {
    CAPTURE(token);
    const int refused = token.empty() ? 401 : 403;
    auto cli = client(node, token);
    auto list = cli->Get("/mcm/v1/images");
    REQUIRE(list);
    CHECK(list->status == refused);
    CHECK(json_of(list)["error"]["code"] == refused);
    auto up = upload(*cli, tar);
    REQUIRE(up);
    CHECK(up->status == refused);
    auto started = start_container(*cli, "hello-v1");
    REQUIRE(started);
    CHECK(started->status == refused);
    CHECK(cli->Delete("/mcm/v1/images/test-client-hello-v1")->status == refused);
  }
  auto cli = client(node);
  auto list = cli->Get("/mcm/v1/images");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(json_of(list)["data"].empty());
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].empty());

  // The token file is private, and the token never reaches the log.
  struct stat st{};
  REQUIRE(stat((tmp / "data" / "token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(node.log().find("test-token") == std::string::npos);
  // One line per request. The access log is written in batches by a thread of its own (2 ms), so
  // the line may land a moment after the answer: wait for it, a few seconds at most.
  bool logged = false;
  for (int i = 0; i < 500 && !logged; ++i) {
    logged = node.log().find("GET /mcm/v1/images 401") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(logged);
}

TEST_CASE("at first start the node creates its token (0600) and client id and keeps them") {
  TempDir tmp;
  const fs::path data = tmp / "data";
  const int port = free_port();
  auto spawn = [&] {
    std::fflush(stdout);  // the child must not repeat what the parent buffered
    pid_t pid = fork();
    if (pid == 0) {
      auto log = (tmp / "node.log").string();
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      execl(node_bin().c_str(), "edge-node", "serve", "--port", std::to_string(port).c_str(), "--data-dir",
            data.c_str(), nullptr);
      _exit(127);
    }
    return pid;
  };
  auto wait_ready = [&](const std::string& token) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_bearer_token_auth(token.c_str());
    for (int i = 0; i < 250; ++i) {
      if (auto r = cli.Get("/mcm/v1/images"); r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  auto wait_file = [](const fs::path& p) {
    for (int i = 0; i < 250 && !fs::exists(p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return fs::exists(p);
  };
  auto stop = [](pid_t pid) {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };

  pid_t pid = spawn();
  REQUIRE(wait_file(data / "token"));
  std::string token = read_file(data / "token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  CHECK(token.size() >= 32);
  REQUIRE(wait_ready(token));
  struct stat st{};
  REQUIRE(stat((data / "token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string client_id = read_file(data / "client-id");
  CHECK(!client_id.empty());
  CHECK(stop(pid) == 0);  // SIGTERM: a clean stop

  pid = spawn();
  REQUIRE(wait_ready(token));  // same token after a restart
  CHECK(read_file(data / "client-id") == client_id);
  CHECK(stop(pid) == 0);
  const std::string log = read_file(tmp / "node.log");
  CHECK(log.find(token) == std::string::npos);
  CHECK(log.find((data / "token").string()) != std::string::npos);  // where it is, not what it is
}

TEST_CASE("image upload and list and tarball and delete round trip") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  const auto tar = image_tar("hello-v1", "1.0.0", test_module("node_hello_v1"));

  auto up = upload(*cli, tar);
  REQUIRE(up);
  CHECK_MESSAGE(up->status == 200, up->body);
  auto img = json_of(up);
  CHECK(img["id"] == "test-client-hello-v1");
  CHECK(img["name"] == "hello-v1");
  CHECK(img["status"] == "successfully deployed");
  CHECK(img["size"] == tar.size());
  CHECK(img["digest"].get<std::string>().starts_with("sha256:"));
  CHECK(img["repoTags"] == nlohmann::json({"hello-v1:1.0.0", "runtime:wasm"}));

  auto list = json_of(cli->Get("/mcm/v1/images"));
  REQUIRE(list["data"].size() == 1);
  CHECK(list["data"][0]["id"] == "test-client-hello-v1");

  auto tarball = cli->Get("/mcm/v1/images/test-client-hello-v1/tarball");
  REQUIRE(tarball);
  CHECK(tarball->status == 200);
  CHECK(tarball->body == tar);

  auto del = cli->Delete("/mcm/v1/images/test-client-hello-v1");
  REQUIRE(del);
  CHECK(del->status == 200);
  CHECK(json_of(cli->Get("/mcm/v1/images"))["data"].empty());
  CHECK(cli->Get("/mcm/v1/images/test-client-hello-v1/tarball")->status == 404);
  CHECK(cli->Delete("/mcm/v1/images/test-client-hello-v1")->status == 404);
  // Nothing left behind in the store.
  CHECK(files_in(tmp / "data" / "images").empty());
}

TEST_CASE("bad uploads get a 4xx JSON error and leave the store unchanged") {
  TempDir tmp;
  NodeProcess node(node_options(tmp / "data"));
  REQUIRE(node.start());
  auto cli = client(node);
  REQUIRE(upload(*cli, image_tar("hello-v1", "1.0.0", test_module("node_hello_v1")))->status == 200);
  const auto before = files_in(tmp / "data" / "images");
  const auto listed = json_of(cli->Get("/mcm/v1/images"));

  struct Case {
    const char* what;
    httplib::Result res;
    int status;
  };
  const std::string good = image_tar("other-v1", "1.0.0", test_module("node_hello_v1"));
  std::vector<Case> cases;
  cases.push_back({"not a tar", upload(*cli, "this is not a tar archive at all"), 400});
  cases.push_back({"truncated tar", upload(*cli, good.substr(0, good.size() / 2)), 400});
  cases.push_back({"wrong field", upload(*cli, good, "file"), 400});
  cases.push_back({"no multipart", cli->Post("/mcm/v1/images", good, "application/json"), 400});
  cases.push_back(
      {"name with a path", upload(*cli, image_tar("../../escape-v1", "1.0.0", test_module("node_hello_v1"))), 400});
  cases.push_back({"name with a slash", upload(*cli, image_tar("a/b-v1", "1.0.0", test_module("node_hello_v1"))), 400});
  cases.push_back(
      {"invalid module", upload(*cli, image_tar("bad-v1", "1.0.0", std::string("\0asm garbage", 12))), 422});
  cases.push_back({"not an ABI module", upload(*cli, image_tar("cmd-v1", "1.0.0", test_module("node_command"))), 422});
  for (auto& c : cases) {
    CAPTURE(c.what);
    REQUIRE(c.res);
    CHECK(c.res->status == c.status);
    auto err = json_of(c.res)["error"];
    CHECK(err["code"] == c.status);
    CHECK(!err["message"].get<std::string>().empty());
  }
  CHECK(files_in(tmp / "data" / "images") == before);
  const auto top = files_in(tmp / "data");
  // (no client-id file: the test gives --client-id)
  const std::vector<std::string> expected_top = {"aot-cache",         "containers", "images",  "lock", "logs",
                                                 "mimoe-api-key.env", "modules",    "storage", "token"};
  CHECK_MESSAGE(top == expected_top, fmt_list(top));
  CHECK(json_of(cli->Get("/mcm/v1/images")) == listed);

  // Containers: bad bodies and unknown images are refused without any change either.
  auto not_json = cli->Post("/mcm/v1/containers", "{nope", "application/json");
  CHECK(not_json->status == 400);
  CHECK(start_container(*cli, "missing-v1")->status == 400);  // no such image
  CHECK(start_container(*cli, "hello-v1", {{"MCM.BASE_API_PATH", "no-slash"}})->status == 400);
  CHECK(start_container(*cli, "hello-v1", {{"MCM.MAX_EXECUTION_TIME_SEC", "forever"}})->status == 422);
  CHECK(json_of(cli->Get("/mcm/v1/containers"))["data"].empty());
  CHECK(cli->Get("/mcm/v1/nothing")->status == 404);
  CHECK(json_of(cli->Get("/mcm/v1/nothing"))["error"]["code"] == 404);
}

TEST_CASE("a second node on the same data dir exits 1 naming the first one's PID, and the first serves on") {
  TempDir tmp;
  NodeProcess first(node_options(tmp / "data"));
  REQUIRE(first.start());
  auto cli = client(first);
  REQUIRE(upload(*cli, image_tar("hello-v1", "1.0.0", test_module("node_hello_v1")))->status == 200);

  NodeProcess second(node_options(tmp / "data"));
  CHECK_FALSE(second.start());
  CHECK(second.exit_code() == 1);
  const std::string log = second.log();
  INFO(log);
  CHECK(log.find("in use by another edge-node (PID " + std::to_string(first.pid()) + ")") != std::string::npos);
  // The first node lost nothing: its image is listed, a new upload works.
  CHECK(json_of(cli->Get("/mcm/v1/images"))["data"].size() == 1);
  CHECK(upload(*cli, image_tar("hello-v2", "1.0.0", test_module("node_hello_v2")))->status == 200);

  // Once it is gone, the dir is free again.
  CHECK(first.stop() == 0);
  NodeProcess third(node_options(tmp / "data"));
  CHECK(third.start());
}
