// `edge completion`: the scripts are valid shell and know every subcommand `edge --help` lists.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "test_support.hpp"

using namespace edge::test;

namespace {

// The subcommands as `edge --help` prints them (the "Subcommands:" section), not a list in the test.
std::vector<std::string> subcommands_from_help() {
  auto help = run({edge_bin().string(), "--help"});
  REQUIRE(help.exit_code == 0);
  std::vector<std::string> out;
  std::istringstream lines(help.out);
  std::string line;
  bool in_section = false;
  static const std::regex entry(R"(^\s+([a-z][a-z-]*)\s{2,}.*)");
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_section = true;
      continue;
    }
    std::smatch m;
    if (in_section && std::regex_match(line, m, entry)) out.push_back(m[1]);
  }
  return out;
}

// What bash completes for the words typed so far (the last one being completed). `env` reaches
// the `edge __complete` the script runs (found on PATH, as a user's would be).
std::string bash_complete(const std::filesystem::path& script, const std::string& words,
                          std::map<std::string, std::string> env = {}) {
  const std::string program = "source '" + script.string() + "'; COMP_WORDS=(" + words +
                              "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));" + " [[ \"" + words +
                              "\" == *' ' ]] && COMP_WORDS+=('') && COMP_CWORD=$(( COMP_CWORD + 1 ));" +
                              " _edge; printf '%s\\n' \"${COMPREPLY[@]}\"";
  env["PATH"] = edge_bin().parent_path().string() + ":" + std::getenv("PATH");
  auto r = run({"bash", "-c", program}, {}, env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("the bash completion script is valid bash and names every subcommand") {
  auto commands = subcommands_from_help();
  REQUIRE(commands.size() >= 10);
  CHECK(std::find(commands.begin(), commands.end(), "dev") != commands.end());
  CHECK(std::find(commands.begin(), commands.end(), "completion") != commands.end());

  TempDir tmp;
  auto r = run({edge_bin().string(), "completion", "bash"});
  REQUIRE(r.exit_code == 0);
  write_file(tmp / "edge.bash", r.out);
  auto syntax = run({"bash", "-n", (tmp / "edge.bash").string()});
  CHECK_MESSAGE(syntax.exit_code == 0, syntax.err);
  for (const auto& c : commands)
    CHECK_MESSAGE(r.out.find("':" + c + "'") != std::string::npos, c);  // the word that enters it

  // It completes: a subcommand from a prefix, an option of that subcommand, a choice value.
  auto root = bash_complete(tmp / "edge.bash", "edge ");
  for (const auto& c : commands) CHECK_MESSAGE(root.find(c + "\n") != std::string::npos, c);
  auto de = bash_complete(tmp / "edge.bash", "edge de");
  CHECK(de.find("deploy\n") != std::string::npos);
  CHECK(de.find("dev\n") != std::string::npos);
  CHECK(de.find("build") == std::string::npos);
  CHECK(bash_complete(tmp / "edge.bash", "edge build --de") == "--debug\n");
  CHECK(bash_complete(tmp / "edge.bash", "edge completion z") == "zsh\n");
}

TEST_CASE("zsh and fish scripts name every subcommand") {
  auto commands = subcommands_from_help();
  auto zsh = run({edge_bin().string(), "completion", "zsh"});
  auto fish = run({edge_bin().string(), "completion", "fish"});
  REQUIRE(zsh.exit_code == 0);
  REQUIRE(fish.exit_code == 0);
  CHECK(zsh.out.rfind("#compdef edge\n", 0) == 0);
  for (const auto& c : commands) {
    CHECK_MESSAGE(zsh.out.find("'" + c + ":") != std::string::npos, c);
    CHECK_MESSAGE(fish.out.find("__fish_use_subcommand -a " + c + " ") != std::string::npos, c);
  }
  // Options come from the commands themselves: `edge dev --port` and `edge build --debug`.
  CHECK(fish.out.find("'__fish_seen_subcommand_from dev' -l port") != std::string::npos);
  CHECK(zsh.out.find("--debug[") != std::string::npos);
  // zsh is not installed everywhere; when it is, the script must parse.
  if (run({"sh", "-c", "command -v zsh"}).exit_code == 0) {
    TempDir tmp;
    write_file(tmp / "_edge", zsh.out);
    auto syntax = run({"zsh", "-n", (tmp / "_edge").string()});
    CHECK_MESSAGE(syntax.exit_code == 0, syntax.err);
  }
}

TEST_CASE("an unknown shell is a usage error") {
  auto r = run({edge_bin().string(), "completion", "powershell"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("powershell") != std::string::npos);
}

TEST_CASE("completion offers the installed templates and the services on the node, not file names") {
  TempDir tmp, work;
  for (const char* shell : {"bash", "zsh", "fish"}) {
    auto script = run({edge_bin().string(), "completion", shell});
    REQUIRE(script.exit_code == 0);
    CAPTURE(shell);
    CHECK(script.out.find("edge __complete templates") != std::string::npos);
    CHECK(script.out.find("edge __complete services") != std::string::npos);
    CHECK(script.out.find("__complete)") == std::string::npos);  // the hidden command is not offered
  }
  write_file(tmp / "edge.bash", run({edge_bin().string(), "completion", "bash"}).out);
  const auto templates = bash_complete(tmp / "edge.bash", "edge new --template ");
  CHECK(templates == "file-reader\nhello\nproxy\nrest-kv\n");
  CHECK(bash_complete(tmp / "edge.bash", "edge new -t re") == "rest-kv\n");

  // Services: what the node the other commands would use runs (here named by EDGE_ENGINE_URI).
  NodeProcess::Options o;
  o.data_dir = work / "node";
  NodeProcess node(o);
  REQUIRE_MESSAGE(node.start(), node.log());
  REQUIRE(run({edge_bin().string(), "new", "hello"}, work.path()).exit_code == 0);
  auto deployed = run({edge_bin().string(), "deploy", "--node", node.url(), "--token", node.token()}, work / "hello");
  REQUIRE_MESSAGE(deployed.exit_code == 0, deployed.err);
  const std::map<std::string, std::string> env{{"EDGE_ENGINE_URI", node.url()}, {"EDGE_TOKEN", node.token()}};
  CHECK(bash_complete(tmp / "edge.bash", "edge rm ", env) == "hello\nhello-v1\n");
  CHECK(bash_complete(tmp / "edge.bash", "edge logs hello-", env) == "hello-v1\n");

  // No node there: nothing offered, at once, exit 0 (a Tab must never hang or print errors).
  const auto t0 = std::chrono::steady_clock::now();
  auto none = run({edge_bin().string(), "__complete", "services"}, {}, {{"EDGE_ENGINE_URI", "http://127.0.0.1:1"}});
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
  CHECK(none.err.empty());
  CHECK(std::chrono::steady_clock::now() - t0 <
        std::chrono::seconds(20));  // liveness: never the 30 s of a hung connect
}
