// edge pack / inspect / deploy / ls / rm / logs against real processes: the `edge` binary,
// real `edge-node`s on loopback ports, and a real HTTP client. Only the "garbage node" and
// "silent node" cases use a small in-process HTTP server, because a real node never behaves so.
#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "edge/core/image.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using edge::test::NodeProcess;
using edge::test::RunResult;
using edge::test::TempDir;

namespace {

const std::string kTemplate = "hello";

RunResult edge_cli(const std::vector<std::string>& args, const fs::path& cwd = {},
                   std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {edge::test::edge_bin().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  // Never pick up the developer's own node or token.
  env.emplace("HOME", "/nonexistent-edge-test-home");
  env.emplace("EDGE_TOKEN", "");
  env.emplace("EDGE_ENGINE_URI", "");
  env.emplace("NO_COLOR", "1");
  return edge::test::run(argv, cwd, env, 300);
}

std::string dump(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A service project built from the default template; skips the test when the toolchain or
// template is missing (reported by the test name in ctest).
fs::path make_project(const TempDir& dir, const std::string& name) {
  std::string why;
  auto wasm = edge::test::build_template(kTemplate, name, dir.path(), &why);
  REQUIRE_MESSAGE(!wasm.empty(), "edge new/build failed: " << why);
  return dir / name;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

size_t count_lines_starting(const std::string& s, const std::string& prefix) {
  size_t n = 0;
  for (const auto& l : lines(s)) n += l.rfind(prefix, 0) == 0;
  return n;
}

// The last non-empty stdout line of a successful deploy is the service URL.
std::string deployed_url(const RunResult& r) {
  auto ls = lines(r.out);
  return ls.empty() ? "" : ls.back();
}

httplib::Result http_get(const std::string& url) {
  // url = http://127.0.0.1:PORT/path
  auto slash = url.find('/', 7);
  httplib::Client c(url.substr(0, slash));
  c.set_connection_timeout(3, 0);
  c.set_read_timeout(30, 0);
  return c.Get(url.substr(slash).c_str());
}

NodeProcess::Options node_options(const TempDir& dir, const std::string& sub) {
  NodeProcess::Options o;
  o.data_dir = dir / sub;
  return o;
}

// An image named like the project's but whose module a node must refuse (no ABI exports).
std::vector<uint8_t> broken_image(const std::string& name, const std::string& version) {
  const std::vector<uint8_t> empty_module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  return edge::write_image({name, version, empty_module});
}

void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  edge::test::write_file(p, std::string(b.begin(), b.end()));
}

// The single error line a failed command prints, and no exception text anywhere.
void check_one_clear_line(const RunResult& r, const std::string& expected) {
  INFO(dump(r));
  CHECK(r.exit_code != 0);
  CHECK(count_lines_starting(r.err, "error:") == 1);
  CHECK(r.err.find(expected) != std::string::npos);
  CHECK(r.err.find("what()") == std::string::npos);
  CHECK(r.err.find("terminate") == std::string::npos);
  CHECK(r.err.find("exception") == std::string::npos);
}

}  // namespace

TEST_CASE("edge pack is reproducible and writes the documented layout") {
  TempDir dir;
  auto project = make_project(dir, "hello");
  auto first = edge_cli({"pack"}, project);
  REQUIRE_MESSAGE(first.exit_code == 0, dump(first));
  REQUIRE(fs::exists(project / "deploy" / "hello-v1-1.0.0.tar"));
  const fs::path image = dir / "first.tar";
  fs::copy_file(project / "deploy" / "hello-v1-1.0.0.tar", image);
  CHECK(first.out.find("deploy/hello-v1-1.0.0.tar") != std::string::npos);
  CHECK(first.out.find("sha256:") != std::string::npos);
  const std::string bytes1 = edge::test::read_file(image);

  // Again, after a clean rebuild: the same module and manifest give the same bytes.
  fs::remove_all(project / "deploy");
  fs::remove_all(project / "build");
  auto second = edge_cli({"pack", "-C", project.string(), "--output", (dir / "again.tar").string()});
  REQUIRE_MESSAGE(second.exit_code == 0, dump(second));
  CHECK(edge::test::read_file(dir / "again.tar") == bytes1);

  // tar -tf shows the docker-save layout.
  auto listing = edge::test::run({"tar", "-tf", image.string()});
  REQUIRE(listing.exit_code == 0);
  auto names = lines(listing.out);
  REQUIRE(names.size() == 7);
  const std::string layer_id = names[0].substr(0, names[0].size() - 1);
  CHECK(layer_id.size() == 64);
  CHECK(names[0] == layer_id + "/");
  CHECK(names[1] == layer_id + "/VERSION");
  CHECK(names[2] == layer_id + "/json");
  CHECK(names[3] == layer_id + "/layer.tar");
  CHECK(names[4].size() == 64 + 5);
  CHECK(names[4].ends_with(".json"));
  CHECK(names[5] == "manifest.json");
  CHECK(names[6] == "repositories");

  // Modes and owners as the compat reference says.
  auto verbose = edge::test::run({"tar", "-tvf", image.string()});
  for (const auto& l : lines(verbose.out)) {
    INFO(l);
    CHECK((l.rfind("-r--r--r--", 0) == 0 || l.rfind("dr-xr-xr-x", 0) == 0));
    CHECK(l.find("root/root") != std::string::npos);
    CHECK(l.find("1970-01-01") != std::string::npos);
  }

  // The layer holds exactly index.wasm, and it is the built module.
  auto extract = edge::test::run({"tar", "-xf", image.string(), "-C", dir.path().string()});
  REQUIRE(extract.exit_code == 0);
  auto layer_listing = edge::test::run({"tar", "-tf", (dir / (layer_id + "/layer.tar")).string()});
  CHECK(lines(layer_listing.out) == std::vector<std::string>{"index.wasm"});
  CHECK(edge::test::read_file(dir / (layer_id + "/VERSION")) == "1.0");
  auto manifest = json::parse(edge::test::read_file(dir / "manifest.json"));
  CHECK(manifest[0]["RepoTags"] == json::array({"hello-v1:1.0.0"}));
  auto repositories = json::parse(edge::test::read_file(dir / "repositories"));
  CHECK(repositories["hello-v1"]["latest"] == layer_id);

  // read_image round trip: the module inside is the one `edge build` wrote.
  const std::string wasm = edge::test::read_file(project / "build" / "hello.wasm");
  auto img = edge::read_image(std::vector<uint8_t>(bytes1.begin(), bytes1.end()));
  REQUIRE_MESSAGE(img.ok(), img.error().to_string());
  CHECK(img->name == "hello-v1");
  CHECK(std::string(img->module.begin(), img->module.end()) == wasm);
}

TEST_CASE("edge inspect shows an image and a module") {
  TempDir dir;
  auto project = make_project(dir, "hello");
  REQUIRE(edge_cli({"pack"}, project).exit_code == 0);
  auto shown = edge_cli({"inspect", "deploy/hello-v1-1.0.0.tar"}, project);
  INFO(dump(shown));
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("hello-v1") != std::string::npos);
  CHECK(shown.out.find("sha256:") != std::string::npos);
  CHECK(shown.out.find("2.0.0") != std::string::npos);
  CHECK(shown.out.find("mk_module_on_event") != std::string::npos);
  CHECK(shown.out.find("env.mk_module_api_request") != std::string::npos);

  auto as_json = edge_cli({"inspect", "deploy/hello-v1-1.0.0.tar", "--json"}, project);
  REQUIRE_MESSAGE(as_json.exit_code == 0, dump(as_json));
  auto j = json::parse(as_json.out);
  CHECK(j["name"] == "hello-v1");
  CHECK(j["version"] == "1.0.0");
  CHECK(j["kind"] == "image");
  CHECK(j["valid"] == true);

  auto module = edge_cli({"inspect", "build/hello.wasm"}, project);
  CHECK_MESSAGE(module.exit_code == 0, dump(module));

  // An image whose module is not deployable: shown, with the problems, exit 1.
  write_bytes(dir / "bad.tar", broken_image("bad-v1", "1.0.0"));
  auto bad = edge_cli({"inspect", (dir / "bad.tar").string()});
  CHECK_MESSAGE(bad.exit_code == 1, dump(bad));
  CHECK(bad.out.find("bad-v1") != std::string::npos);

  // Not an image at all: one clear error.
  edge::test::write_file(dir / "junk.tar", "<html>no</html>");
  auto junk = edge_cli({"inspect", (dir / "junk.tar").string()});
  CHECK(junk.exit_code == 1);
  CHECK(junk.err.find("not a tar") != std::string::npos);
}

TEST_CASE("new user path: edge new, build, pack, deploy, then the service answers over HTTP") {
  TempDir dir;
  NodeProcess node(node_options(dir, "node"));
  REQUIRE_MESSAGE(node.start(), node.log());
  auto project = make_project(dir, "hello");
  REQUIRE(edge_cli({"pack"}, project).exit_code == 0);
  // The token comes from the local node's data dir, as for a user who just ran edge-node.
  auto deployed =
      edge_cli({"deploy", "--node", node.url()}, project, {{"EDGE_NODE_DATA_DIR", (dir / "node").string()}});
  REQUIRE_MESSAGE(deployed.exit_code == 0, dump(deployed) << node.log());
  // Compiled code answers from the first request, and edge deploy says by which tier.
  CHECK_MESSAGE(deployed.err.find("compiled by the quick tier") != std::string::npos, dump(deployed));
  const std::string url = deployed_url(deployed);
  CHECK(url == node.url() + "/" + node.client_id() + "/hello/v1/");
  auto answer = http_get(url);
  REQUIRE(answer);
  CHECK(answer->status < 500);

  // ls shows it with its URL; logs reads its log; rm --image removes both.
  auto listed = edge_cli({"ls", "--node", node.url(), "--token", node.token(), "--json"});
  REQUIRE_MESSAGE(listed.exit_code == 0, dump(listed));
  auto j = json::parse(listed.out);
  REQUIRE(j["containers"].size() == 1);
  CHECK(j["containers"][0]["name"] == "hello-v1");
  CHECK(j["containers"][0]["url"] == url);
  CHECK(j["images"].size() == 1);
  auto table = edge_cli({"ls", "--node", node.url(), "--token", node.token()});
  CHECK(table.out.find(url) != std::string::npos);

  // Inside the project, a .edgetoken file is enough.
  edge::test::write_file(project / ".edgetoken", node.token() + "\n");
  auto by_file = edge_cli({"ls", "--node", node.url()}, project);
  CHECK_MESSAGE(by_file.exit_code == 0, dump(by_file));
  auto no_token = edge_cli({"ls", "--node", node.url()}, dir.path());
  check_one_clear_line(no_token, "needs a token");

  auto log = edge_cli({"logs", "hello", "--node", node.url(), "--token", node.token()});
  CHECK_MESSAGE(log.exit_code == 0, dump(log));

  // An image of the project older than its sources is deployed, with a word that it is stale.
  fs::path tar;
  for (const auto& e : fs::directory_iterator(project / "deploy"))
    if (e.path().extension() == ".tar") tar = e.path();
  REQUIRE_FALSE(tar.empty());
  fs::last_write_time(tar, fs::file_time_type::clock::now() - std::chrono::hours(1));
  auto stale = edge_cli({"deploy", tar.string(), "--node", node.url(), "--token", node.token()}, project);
  CHECK_MESSAGE(stale.exit_code == 0, dump(stale));
  CHECK(stale.err.find("older than the project's sources") != std::string::npos);

  auto removed = edge_cli({"rm", "hello", "--image", "--node", node.url(), "--token", node.token(), "--json"});
  CHECK_MESSAGE(removed.exit_code == 0, dump(removed));
  auto what = json::parse(removed.out);
  CHECK(what["container"] == node.client_id() + "-hello-v1");
  CHECK(what["image"] == node.client_id() + "-hello-v1");
  auto after = json::parse(edge_cli({"ls", "--node", node.url(), "--token", node.token(), "--json"}).out);
  CHECK(after["containers"].empty());
  CHECK(after["images"].empty());
  auto gone = edge_cli({"rm", "hello", "--node", node.url(), "--token", node.token()});
  check_one_clear_line(gone, "no service `hello`");
}

TEST_CASE("an image made by mimik's edge-ms-packager deploys to edge-node and answers") {
  TempDir dir;
  NodeProcess node(node_options(dir, "node"));
  REQUIRE(node.start());
  const std::string image = std::string(EDGE_DEPLOY_TEST_DATA) + "/mimik-packager-hello-v1-1.0.0.tar";
  auto shown = edge_cli({"inspect", image});
  CHECK_MESSAGE(shown.exit_code == 0, dump(shown));
  auto r = edge_cli({"deploy", image, "--node", node.url(), "--token", node.token()});
  REQUIRE_MESSAGE(r.exit_code == 0, dump(r));
  CHECK(deployed_url(r) == node.url() + "/" + node.client_id() + "/hello/v1/");
  auto answer = http_get(deployed_url(r));
  REQUIRE(answer);
  CHECK(answer->status == 200);
}

TEST_CASE("a fleet with one node down: two successes, one clear failure, non-zero exit") {
  TempDir dir;
  NodeProcess a(node_options(dir, "a")), b(node_options(dir, "b"));
  REQUIRE(a.start());
  REQUIRE(b.start());
  const std::string down = "http://127.0.0.1:" + std::to_string(edge::test::free_port());
  auto project = make_project(dir, "hello");
  edge::test::write_file(dir / "nodes.txt", "# the fleet\n" + a.url() + "\n\n" + down + "  # switched off\n");
  auto r = edge_cli(
      {"deploy", "--node", b.url(), "--nodes-file", (dir / "nodes.txt").string(), "--token", "test-token"}, project);
  INFO(dump(r));
  CHECK(r.exit_code == 1);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);  // header + three nodes
  size_t ok = 0, failed = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].find(" ok ") != std::string::npos) {
      ++ok;
      CHECK(rows[i].find("/test-client/hello/v1/") != std::string::npos);
    }
    if (rows[i].find(" failed ") != std::string::npos) {
      ++failed;
      CHECK(rows[i].rfind(down, 0) == 0);
      CHECK(rows[i].find("no node at " + down) != std::string::npos);
      CHECK(rows[i].find("edge-node") != std::string::npos);
    }
  }
  CHECK(ok == 2);
  CHECK(failed == 1);
  for (auto* n : {&a, &b}) {
    auto answer = http_get(n->url() + "/test-client/hello/v1/");
    REQUIRE(answer);
    CHECK(answer->status < 500);
  }

  auto as_json = edge_cli({"deploy", "--node", a.url(), "--node", down, "--token", "test-token", "--json"}, project);
  CHECK(as_json.exit_code == 1);
  auto j = json::parse(as_json.out);
  CHECK(j["ok"] == false);
  CHECK(j["results"].size() == 2);
}

// The parts of a hello answer that do not change between calls (it carries the time).
std::string stable(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) j.erase("time");
  return j.is_discarded() ? body : j.dump();
}

TEST_CASE("a failed redeploy keeps the old version serving") {
  TempDir dir;
  NodeProcess node(node_options(dir, "node"));
  REQUIRE(node.start());
  auto project = make_project(dir, "hello");
  auto first = edge_cli({"deploy", "--node", node.url(), "--token", node.token()}, project);
  REQUIRE_MESSAGE(first.exit_code == 0, dump(first));
  const std::string url = deployed_url(first);
  auto before = http_get(url);
  REQUIRE(before);

  auto still_serving = [&] {
    auto after = http_get(url);
    REQUIRE(after);
    CHECK(after->status == before->status);
    CHECK(stable(after->body) == stable(before->body));
    auto listed = json::parse(edge_cli({"ls", "--node", node.url(), "--token", node.token(), "--json"}).out);
    REQUIRE(listed["containers"].size() == 1);
  };

  SUBCASE("the node refuses the new image (its module fails validation)") {
    write_bytes(dir / "hello-v1-2.0.0.tar", broken_image("hello-v1", "2.0.0"));
    auto second =
        edge_cli({"deploy", (dir / "hello-v1-2.0.0.tar").string(), "--node", node.url(), "--token", node.token()});
    INFO(dump(second));
    CHECK(second.exit_code == 1);
    CHECK(count_lines_starting(second.err, "error:") == 1);
    CHECK(second.err.find("fails validation") != std::string::npos);
    still_serving();
  }
  SUBCASE("the new version uploads but its container cannot start") {
    auto yaml = edge::test::read_file(project / "edge.yaml");
    auto at = yaml.find("1.0.0");
    REQUIRE(at != std::string::npos);
    edge::test::write_file(project / "edge.yaml", yaml.replace(at, 5, "2.0.0"));
    auto second =
        edge_cli({"deploy", "--node", node.url(), "--token", node.token(), "--env", "EDGE_MAX_MEMORY_MB=0"}, project);
    INFO(dump(second));
    CHECK(second.exit_code == 1);
    CHECK(count_lines_starting(second.err, "error:") == 1);
    CHECK(second.err.find("EDGE_MAX_MEMORY_MB") != std::string::npos);
    still_serving();
  }
}

TEST_CASE("deploy failures are one clear line with the fix") {
  TempDir dir;
  write_bytes(dir / "hello-v1-1.0.0.tar", edge::write_image({"hello-v1", "1.0.0", {0, 'a', 's', 'm', 1, 0, 0, 0}}));
  const std::string image = (dir / "hello-v1-1.0.0.tar").string();

  SUBCASE("nothing listens on the port") {
    const std::string url = "http://127.0.0.1:" + std::to_string(edge::test::free_port());
    check_one_clear_line(edge_cli({"deploy", image, "--node", url}), "no node at " + url);
  }
  SUBCASE("wrong token: the 401 line") {
    NodeProcess node(node_options(dir, "node"));
    REQUIRE(node.start());
    auto r = edge_cli({"deploy", image, "--node", node.url(), "--token", "wrong"});
    check_one_clear_line(r, "token rejected");
    CHECK(r.err.find("--token") != std::string::npos);
  }
  SUBCASE("not a node address") {
    check_one_clear_line(edge_cli({"deploy", image, "--node", "ftp://x"}), "not a node address");
  }
  SUBCASE("not an image") {
    edge::test::write_file(dir / "junk.tar", "hello");
    check_one_clear_line(edge_cli({"deploy", (dir / "junk.tar").string(), "--node", "http://127.0.0.1:1"}),
                         "not a tar");
  }
}

TEST_CASE("a server that is not an edgeEngine node, or does not answer, gives one clear line") {
  TempDir dir;
  write_bytes(dir / "hello-v1-1.0.0.tar", edge::write_image({"hello-v1", "1.0.0", {0, 'a', 's', 'm', 1, 0, 0, 0}}));
  const std::string image = (dir / "hello-v1-1.0.0.tar").string();
  httplib::Server server;
  std::atomic<bool> saw_expect{false}, saw_upload{false};
  std::string content_type;
  server.Post("/mcm/v1/images", [&](const httplib::Request& req, httplib::Response& res) {
    saw_upload = true;
    if (req.has_header("Expect")) saw_expect = true;
    content_type = req.get_header_value("Content-Type");
    if (req.has_file("image")) {
      auto f = req.get_file_value("image");
      CHECK(f.content_type == "application/tar");
      CHECK(f.filename == "hello-v1-1.0.0.tar");
      CHECK(f.content == edge::test::read_file(dir / "hello-v1-1.0.0.tar"));
    }
    res.set_content("<html><body>Welcome to nginx!</body></html>", "text/html");
  });
  server.Get("/mcm/v1/containers", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    res.set_content("{}", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port);

  auto html = edge_cli({"deploy", image, "--node", url, "--token", "t"});
  check_one_clear_line(html, "did not answer like an edgeEngine node");
  CHECK(saw_upload);
  CHECK_FALSE(saw_expect);
  CHECK(content_type.rfind("multipart/form-data", 0) == 0);

  auto slow = edge_cli({"ls", "--node", url, "--timeout", "1"});
  check_one_clear_line(slow, "stopped answering");

  server.stop();
  t.join();
}

TEST_CASE("--json errors are JSON on stdout, with the same exit code and the words on stderr") {
  TempDir dir;
  NodeProcess node(node_options(dir, "node"));
  REQUIRE_MESSAGE(node.start(), node.log());
  struct Case {
    std::vector<std::string> args;
    const char* kind;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"rm", "nosuch", "--json", "--node", node.url(), "--token", node.token()}, "notFound", "nosuch"},
      {{"ls", "--json", "--node", node.url(), "--token", "wrong-token"}, "unauthorized", "token"},
      {{"inspect", (dir / "missing.tar").string(), "--json"}, "", "missing.tar"},
      {{"validate", (dir / "missing.wasm").string(), "--json"}, "", "missing.wasm"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args[0]);
    auto r = edge_cli(c.args);
    INFO(dump(r));
    CHECK(r.exit_code != 0);
    auto j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    REQUIRE(j.contains("error"));
    if (*c.kind) CHECK(j["error"]["kind"] == c.kind);
    CHECK(j["error"]["message"].get<std::string>().find(c.says) != std::string::npos);
    CHECK(r.err.find("error:") != std::string::npos);  // a person still reads it in words
  }
  // Without --json nothing changes on stdout.
  auto plain = edge_cli({"rm", "nosuch", "--node", node.url(), "--token", node.token()});
  CHECK(plain.exit_code != 0);
  CHECK(plain.out.empty());
}

TEST_CASE("TLS: edge deploy to an https:// node with a self-signed certificate, pinned, and a wrong pin refused") {
  TempDir dir;
  // The device's certificate, as an operator makes it: the key private, the fingerprint printed.
  auto made = edge::test::run({edge::test::node_bin().string(), "cert", "--dir", (dir / "tls").string()});
  REQUIRE_MESSAGE(made.exit_code == 0, made.out << made.err);
  const auto at = made.out.find("SHA-256");
  REQUIRE(at != std::string::npos);
  const std::string pin = made.out.substr(at + 12, 95);  // 32 bytes: 64 hex digits and 31 colons
  CHECK(pin.size() == 95);
  const auto key_mode = fs::status(dir / "tls" / "key.pem").permissions() & fs::perms::all;
  CHECK(key_mode == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(edge::test::run({edge::test::node_bin().string(), "cert", "--dir", (dir / "tls").string()}).exit_code != 0);

  NodeProcess::Options o = node_options(dir, "node");
  o.tls_cert = dir / "tls" / "cert.pem";
  o.tls_key = dir / "tls" / "key.pem";
  o.extra_args = {"--dashboard-tls"};
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  CHECK(node.url().starts_with("https://"));
  CHECK(node.log().find(pin) != std::string::npos);  // printed at start, for clients to pin

  auto project = make_project(dir, "hello");
  auto deployed = edge_cli({"deploy", "--node", node.url(), "--token", "test-token", "--pin-sha256", pin}, project);
  REQUIRE_MESSAGE(deployed.exit_code == 0, dump(deployed) << node.log());
  const std::string url = deployed_url(deployed);
  CHECK(url == node.url() + "/" + node.client_id() + "/hello/v1/");
  httplib::Client https(node.url());
  https.set_ca_cert_path(o.tls_cert.string());
  auto answer = https.Get(url.substr(node.url().size()).c_str());
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(answer->body.find("hello") != std::string::npos);

  // ls, with the pin in lower case without colons, and with the certificate as the CA.
  std::string bare;
  for (char c : pin)
    if (c != ':') bare += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto listed = edge_cli({"ls", "--node", node.url(), "--token", "test-token", "--pin-sha256", bare});
  CHECK_MESSAGE(listed.exit_code == 0, dump(listed));
  CHECK(listed.out.find("hello") != std::string::npos);
  auto with_ca = edge_cli({"ls", "--node", node.url(), "--token", "test-token", "--ca", o.tls_cert.string()});
  CHECK_MESSAGE(with_ca.exit_code == 0, dump(with_ca));

  // Another certificate's fingerprint: refused before a byte of the request is sent (nothing is
  // deployed), with both fingerprints' story in one line.
  std::string wrong = pin;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto refused = edge_cli({"rm", "hello-v1", "--node", node.url(), "--token", "test-token", "--pin-sha256", wrong});
  check_one_clear_line(refused, "not the one --pin-sha256 names");
  CHECK(refused.err.find(pin) != std::string::npos);  // what the node showed
  auto still = edge_cli({"ls", "--node", node.url(), "--token", "test-token", "--pin-sha256", pin});
  CHECK(still.out.find("hello") != std::string::npos);

  // Neither pin nor CA: the system's CAs do not know a self-signed certificate.
  check_one_clear_line(edge_cli({"ls", "--node", node.url(), "--token", "test-token"}), "is not trusted here");
  // Plain HTTP to the HTTPS port: the node says so, in plain HTTP.
  std::string plain = node.url();
  plain.replace(0, 5, "http");
  check_one_clear_line(edge_cli({"ls", "--node", plain, "--token", "test-token"}), "this port speaks HTTPS");
  check_one_clear_line(edge_cli({"ls", "--node", plain, "--token", "test-token", "--pin-sha256", pin}),
                       "are for https:// nodes");

  // The dashboard's port speaks HTTPS too when asked (--dashboard-tls).
  const int dashboard = node.dashboard_port();
  REQUIRE(dashboard > 0);
  httplib::Client dash("https://127.0.0.1:" + std::to_string(dashboard));
  dash.set_ca_cert_path(o.tls_cert.string());
  auto page = dash.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
}
