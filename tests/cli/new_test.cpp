// `edge new`: templates copied with {{name}} substituted, refusals, name rules, --list.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli_test_util.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {
// A share dir with one throwaway template, so these tests do not depend on templates/.
struct FakeShare {
  TempDir dir;
  FakeShare() {
    auto t = dir / "templates/tiny";
    write_file(t / "template.yaml", "description: A tiny test template\n");
    write_file(t / "edge.yaml", "name: {{name}}\nversion: \"1.0.0\"\nbuild:\n  sources: [src/*.cpp]\n");
    write_file(t / "src/{{name}}.cpp", "// service {{name}}\nint x;\n");
    write_file(t / "_gitignore", "/build/\n");
    write_file(t / "README.md", "# {{name}} and {{name}}\n");
    fs::create_directories(dir / "templates/not-a-template");  // no template.yaml: not listed
  }
  std::map<std::string, std::string> env() const { return {{"EDGE_SHARE_DIR", dir.path().string()}}; }
};
}  // namespace

TEST_CASE("edge new copies the template with the name substituted") {
  FakeShare share;
  TempDir work;
  auto r = run({edge_bin().string(), "new", "my-svc", "--template", "tiny"}, work.path(), share.env());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto p = work / "my-svc";
  CHECK(read_file(p / "edge.yaml").find("name: my-svc\n") == 0);
  CHECK(read_file(p / "src/my-svc.cpp") == "// service my-svc\nint x;\n");
  CHECK(read_file(p / "README.md") == "# my-svc and my-svc\n");
  CHECK(fs::exists(p / ".gitignore"));
  CHECK_FALSE(fs::exists(p / "_gitignore"));
  CHECK_FALSE(fs::exists(p / "template.yaml"));
  // No staging folder left behind.
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(work.path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("edge new --dir puts the project elsewhere and accepts an empty folder") {
  FakeShare share;
  TempDir work;
  fs::create_directories(work / "empty");
  auto r = run({edge_bin().string(), "new", "svc", "-t", "tiny", "--dir", (work / "empty").string()}, work.path(),
               share.env());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(work / "empty/edge.yaml"));
  CHECK_FALSE(fs::exists(work / "svc"));
}

TEST_CASE("edge new refuses a non-empty folder and changes nothing in it") {
  FakeShare share;
  TempDir work;
  write_file(work / "taken/notes.txt", "mine");
  auto r = run({edge_bin().string(), "new", "taken", "-t", "tiny"}, work.path(), share.env());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not empty") != std::string::npos);
  CHECK(r.err.find("fix:") != std::string::npos);
  CHECK(read_file(work / "taken/notes.txt") == "mine");
  CHECK_FALSE(fs::exists(work / "taken/edge.yaml"));
}

TEST_CASE("edge new rejects names the image format and URLs do not allow") {
  FakeShare share;
  TempDir work;
  for (std::string bad : {"Hello", "my_service", "-x", "a--b", "9lives", "with space", "a/b", "x-"}) {
    CAPTURE(bad);
    auto r = run({edge_bin().string(), "new", "-t", "tiny", "--", bad}, work.path(), share.env());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not valid") != std::string::npos);
  }
  auto r = run({edge_bin().string(), "new", std::string(64, 'a'), "-t", "tiny"}, work.path(), share.env());
  CHECK(r.exit_code == 2);
  CHECK(fs::is_empty(work.path()));
}

TEST_CASE("edge new: unknown template and missing name are usage errors") {
  FakeShare share;
  TempDir work;
  auto unknown = run({edge_bin().string(), "new", "svc", "-t", "nope"}, work.path(), share.env());
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no template named `nope`") != std::string::npos);
  CHECK(unknown.err.find("tiny") != std::string::npos);  // lists what exists
  auto traversal = run({edge_bin().string(), "new", "svc", "-t", "../templates/tiny"}, work.path(), share.env());
  CHECK(traversal.exit_code == 2);
  auto no_name = run({edge_bin().string(), "new"}, work.path(), share.env());
  CHECK(no_name.exit_code == 2);
  CHECK(fs::is_empty(work.path()));
}

TEST_CASE("edge new --list shows each template with its description") {
  FakeShare share;
  auto r = run({edge_bin().string(), "new", "--list"}, {}, share.env());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("tiny") != std::string::npos);
  CHECK(r.out.find("A tiny test template") != std::string::npos);
  CHECK(r.out.find("not-a-template") == std::string::npos);

  // The installed templates (next to the binary) include hello.
  auto installed = run({edge_bin().string(), "new", "--list"});
  CHECK(installed.exit_code == 0);
  CHECK(installed.out.find("hello") != std::string::npos);
}
