// Docs that cannot rot: the marked shell blocks of README.md and docs/*.md run for real
// (see doc_blocks.hpp for the marking), against the binaries of this build.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

#include "doc_blocks.hpp"
#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> doc_files() {
  std::vector<fs::path> out = {source_dir() / "README.md"};
  for (const auto& e : fs::directory_iterator(source_dir() / "docs"))
    if (e.path().extension() == ".md") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string replace_port(std::string s, int port) {
  for (size_t at = s.find("8083"); at != std::string::npos; at = s.find("8083", at + 1))
    s.replace(at, 4, std::to_string(port));
  return s;
}

// `want` in `out`, where "…" in `want` stands for any text (a temp path, an id).
bool shows(const std::string& out, const std::string& want) {
  size_t pos = 0, start = 0;
  const std::string ellipsis = "…";
  while (true) {
    const auto cut = want.find(ellipsis, start);
    const auto piece = want.substr(start, cut == std::string::npos ? std::string::npos : cut - start);
    const auto at = out.find(piece, pos);
    if (at == std::string::npos) return false;
    pos = at + piece.size();
    if (cut == std::string::npos) return true;
    start = cut + ellipsis.size();
  }
}

// The output of block `index` in a session's output.
std::string block_output(const std::string& out, size_t index) {
  const std::string begin = "@@block " + std::to_string(index) + "@@\n";
  auto at = out.find(begin);
  if (at == std::string::npos) return "";
  at += begin.size();
  auto end = out.find("@@block ", at);
  if (end == std::string::npos) end = out.find("@@end@@", at);
  return out.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

void run_file(const fs::path& file) {
  const auto relative = fs::relative(file, source_dir()).string();
  const bool by_default = relative == "docs/getting-started.md";
  auto blocks = parse_doc_blocks(read_file(file), relative, by_default);
  const bool any = std::any_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.runnable; });
  if (!any) return;
  INFO(relative);

  TempDir tmp;
  fs::create_directories(tmp / "home");
  const int port = free_port();
  std::optional<NodeProcess> node;
  if (std::any_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.runnable && b.with_node; })) {
    NodeProcess::Options options;
    options.data_dir = tmp / "home" / ".edge-node";
    options.token = "doc-token";
    options.port = port;
    node.emplace(options);
    REQUIRE(node->start());
  }
  write_file(tmp / "session.sh", session_script(blocks, port));
  const char* path = std::getenv("PATH");
  auto r = run({"bash", (tmp / "session.sh").string()}, tmp.path(),
               {{"PATH", bin_dir().string() + ":" + (path ? path : "/usr/bin:/bin")},
                {"HOME", (tmp / "home").string()},
                {"NO_COLOR", "1"},
                {"EDGE_NODE_DATA_DIR", (tmp / "home" / ".edge-node").string()},
                {"EDGE_ENGINE_URI", "http://127.0.0.1:" + std::to_string(port)}},
               600);
  CHECK_MESSAGE(r.out.find("@@end@@") != std::string::npos,
                "the session stopped early (a `set -e` block failed); its output:\n"
                    << r.out << r.err);
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& b = blocks[i];
    if (!b.runnable) continue;
    const auto out = block_output(r.out, i);
    INFO(relative << ":" << b.line << " output:\n" << out);
    if (b.transcript) {
      static const std::regex failed(R"(@@status [1-9][0-9]*@@)");
      const bool some_failed = std::regex_search(out, failed);
      CHECK_MESSAGE(some_failed == b.fails, (b.fails ? "a command should have failed" : "a command failed"));
      for (const auto& line : b.expected_lines) {
        const auto want = replace_port(line, port);
        CHECK_MESSAGE(shows(out, want), "documented line not printed: " << want);
      }
    }
    if (!b.expect.empty())
      CHECK_MESSAGE(out.find(replace_port(b.expect, port)) != std::string::npos, "expected: " << b.expect);
  }
}

}  // namespace

TEST_CASE("doc blocks: the marking is read as documented") {
  const std::string md =
      "```sh\n$ edge build\nerror: no edge.yaml here\n  fix: run it in a project\n```\n"
      "<!-- test: run, fails, expect: a, b -->\n```sh\n$ false\nwarning: x\n```\n"
      "<!-- test: run -->\n```sh\necho one\necho two\n```\n";
  auto other = parse_doc_blocks(md, "docs/x.md", false);
  REQUIRE(other.size() == 3);
  CHECK_FALSE(other[0].runnable);
  CHECK(other[0].transcript);
  CHECK(other[0].commands == std::vector<std::string>{"edge build"});
  CHECK(other[0].expected_lines == std::vector<std::string>{"error: no edge.yaml here", "fix: run it in a project"});
  CHECK(other[1].runnable);
  CHECK(other[1].fails);
  CHECK(other[1].expect == "a, b");
  CHECK(other[2].runnable);
  CHECK_FALSE(other[2].transcript);
  CHECK(other[2].commands.size() == 2);
  auto started = parse_doc_blocks("<!-- test: skip (long-running) -->\n```sh\nedge dev\n```\n```sh\nedge build\n```\n",
                                  "docs/getting-started.md", true);
  REQUIRE(started.size() == 2);
  CHECK_FALSE(started[0].runnable);
  CHECK(started[1].runnable);
}

TEST_CASE("getting started runs from nothing to a deployed service") {
  const auto file = source_dir() / "docs" / "getting-started.md";
  REQUIRE(fs::exists(file));
  auto blocks = parse_doc_blocks(read_file(file), "docs/getting-started.md", true);
  // The page's point is the path to a deployed service: those steps must stay runnable.
  std::string ran;
  for (const auto& b : blocks)
    if (b.runnable) ran += b.text;
  for (const char* step : {"edge new", "edge build", "edge deploy", "curl"})
    CHECK_MESSAGE(ran.find(step) != std::string::npos, step);
  run_file(file);
}

TEST_CASE("every runnable shell block in README.md and docs/*.md runs as documented") {
  for (const auto& file : doc_files())
    if (file.filename() != "getting-started.md") run_file(file);
}
