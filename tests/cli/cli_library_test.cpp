// The CLI's library, in-process (no `edge` process): build planning, manifest errors, which node
// and token a command uses, and image writing. The end-to-end suites run the same code through
// the executable; these say which function broke, in milliseconds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "compile/guest_flags.hpp"
#include "compile/incremental.hpp"
#include "compile/project_build.hpp"
#include "deploy_pack.hpp"
#include "deploy_target.hpp"
#include "edge/core/image.hpp"
#include "edge/core/manifest.hpp"
#include "test_support.hpp"

using namespace edge;
using edge::test::TempDir;
using edge::test::write_file;
namespace fs = std::filesystem;

namespace {

bool has(const std::vector<std::string>& argv, const std::string& flag) {
  return std::find(argv.begin(), argv.end(), flag) != argv.end();
}

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// No token or node from the machine running the tests leaks in.
struct CleanEnv {
  TempDir home;
  EnvVar h{"HOME", home.path().c_str()}, uri{"EDGE_ENGINE_URI", nullptr}, token{"EDGE_TOKEN", nullptr},
      key{"MCM_API_KEY", nullptr}, data{"EDGE_NODE_DATA_DIR", nullptr};
};

Manifest manifest_of(const std::string& yaml) {
  auto m = parse_manifest(yaml);
  REQUIRE_MESSAGE(m, m.error().message);
  return *m;
}

}  // namespace

TEST_CASE("build planning: the guest flags, the profile, the manifest's include dirs and defines, the model") {
  build::Toolchain tc{"Debian clang-19", "/usr/bin/clang++-19", {}};
  const auto m = manifest_of(
      "name: svc\nversion: \"1.0.0\"\napiVersion: v1\nbasePath: /svc/v1\n"
      "build: {model: command, sources: [src/*.cpp], includeDirs: [third_party], defines: [FAST=1], cxxflags: "
      "[-Wshadow]}\n");
  const auto release = build::compile_base(tc, m, "/p", build::Profile::Release);
  CHECK(release.front() == "/usr/bin/clang++-19");
  CHECK(has(release, "--target=wasm32-wasi"));
  for (const char* f : build::guest::kCxxFlags) CHECK(has(release, f));
  for (const char* f : build::guest::kReleaseFlags) CHECK(has(release, f));
  CHECK(has(release, "-I/p/third_party"));
  CHECK(has(release, "-DFAST=1"));
  CHECK(release.back() == "-Wshadow");  // the manifest's own flags last: they win
  const auto debug = build::compile_base(tc, m, "/p", build::Profile::Debug);
  CHECK(has(debug, "-g"));
  CHECK_FALSE(has(debug, "-flto"));

  const auto link = build::link_command(tc, m, {"/p/build/obj/a.o"}, "/p/build/svc.wasm", build::Profile::Release);
  CHECK(has(link, "-mexec-model=command"));
  CHECK(has(link, "-Wl,--stack-first"));
  CHECK(has(link, "-Wl,--strip-all"));
  CHECK_FALSE(has(build::link_command(tc, m, {}, "/x.wasm", build::Profile::Debug), "-Wl,--strip-all"));

  TempDir p;
  write_file(p / "src/a.cpp", "");
  write_file(p / "src/deep/b.cpp", "");
  auto sources = build::expand_sources(p.path(), {"src/**/*.cpp", "src/a.cpp"});
  REQUIRE(sources);
  CHECK(*sources == std::vector<fs::path>{"src/a.cpp", "src/deep/b.cpp"});  // sorted, no duplicate
  auto none = build::expand_sources(p.path(), {"lib/*.cpp"});
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("lib/*.cpp") != std::string::npos);
}

TEST_CASE("manifest errors name the key, the line and the fix") {
  auto typo = parse_manifest("name: svc\nversion: \"1.0.0\"\nenvv: {A: b}\n");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("envv") != std::string::npos);
  CHECK(typo.error().hint.find("env") != std::string::npos);
  auto bad_name = parse_manifest("name: Bad_Name\nversion: \"1.0.0\"\n");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().message.find("Bad_Name") != std::string::npos);
  auto broken = parse_manifest("name: [unclosed\n");
  REQUIRE_FALSE(broken);
  CHECK_FALSE(broken.error().message.empty());
}

TEST_CASE("deploy target resolution: flags, a nodes file, the env, the project's token, one node only where asked") {
  CleanEnv clean;
  TempDir project;
  deploy::NodeFlags flags;
  auto fallback = deploy::resolve_targets(flags, {});
  REQUIRE(fallback);
  CHECK(fallback->size() == 1);
  CHECK(fallback->front().url == deploy::kDefaultNode);
  CHECK(fallback->front().token.empty());

  {
    EnvVar uri("EDGE_ENGINE_URI", "10.0.0.5:8083");
    EnvVar token("EDGE_TOKEN", " from-env\n");
    auto t = deploy::resolve_targets(flags, {});
    REQUIRE(t);
    CHECK(t->front().url == "http://10.0.0.5:8083");  // http:// added
    CHECK(t->front().token == "from-env");            // trimmed
  }

  write_file(project / ".edgetoken", "project-token\n");
  flags.nodes = {"http://a:1", "b:2", "http://a:1"};
  auto fleet = deploy::resolve_targets(flags, project.path());
  REQUIRE(fleet);
  REQUIRE(fleet->size() == 2);  // the same node twice deploys once
  CHECK((*fleet)[1].url == "http://b:2");
  CHECK((*fleet)[0].token == "project-token");
  auto single = deploy::resolve_single_target(flags, project.path());
  REQUIRE_FALSE(single);
  CHECK(single.error().hint.find("--node once") != std::string::npos);

  flags.nodes.clear();
  flags.token = "flag-token";  // beats every file and variable
  write_file(project / "nodes.txt", "# fleet\nhttp://c:3  c-token\nd:4\n");
  flags.nodes_file = (project / "nodes.txt").string();
  auto listed = deploy::resolve_targets(flags, project.path());
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].token == "c-token");
  CHECK((*listed)[1].token == "flag-token");
  write_file(project / "nodes.txt", "ftp://c:3/files\n");
  auto bad = deploy::resolve_targets(flags, project.path());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("nodes.txt:1") != std::string::npos);
}

TEST_CASE("image writing: pack builds the module and writes an image that reads back whole") {
  CleanEnv clean;
  TempDir work;
  const fs::path project = work / "svc";
  write_file(project / "edge.yaml",
             "name: svc\nversion: \"2.1.0\"\napiVersion: v1\nbasePath: /svc/v1\n"
             "build: {model: reactor, sources: [src/*.cpp]}\n");
  write_file(project / "src/main.cpp",
             "#include <edge/edge.hpp>\nEDGE_SERVICE(app) { app.get(\"/\", [](edge::Request&, edge::Response& res) { "
             "res.text(\"hi\"); }); }\n");
  EnvVar share("EDGE_SHARE_DIR", (fs::path(EDGE_BIN_DIR) / ".." / "share" / "edge").c_str());
  auto packed = deploy::pack_project(project);
  REQUIRE_MESSAGE(packed, packed.error().message);
  CHECK(packed->image_path == project / "deploy" / "svc-v1-2.1.0.tar");
  CHECK(fs::file_size(packed->image_path) == packed->image.size());
  auto image = read_image(packed->image);
  REQUIRE_MESSAGE(image, image.error().message);
  CHECK(image->name == "svc-v1");
  CHECK(image->version == "2.1.0");
  CHECK(image->digest == packed->digest);
  CHECK(image->index_file == "index.wasm");
  CHECK(image->module.size() == packed->module_bytes);
  CHECK(std::equal(image->module.begin(), image->module.begin() + 4, "\0asm"));
}
