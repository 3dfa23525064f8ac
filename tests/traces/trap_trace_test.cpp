// A service built with `edge build --debug` that divides by zero: the node's log for it shows
// the backtrace with function names and the source file:line of each frame.
#include <doctest/doctest.h>

#include <string>

#include "node_test_util.hpp"
#include "test_support.hpp"

namespace edge::test {
namespace {

// Line numbers matter: the test looks for them in the log.
constexpr const char* kTrappingSource = R"(#include <edge/edge.hpp>

static volatile int zero = 0;

__attribute__((noinline)) int divide_by_zero(int x) {
  return x / zero;
}

__attribute__((noinline)) int compute_answer() { return divide_by_zero(42) + 1; }

EDGE_SERVICE(app) {
  app.get("/", [](edge::Request&, edge::Response& res) { res.text(std::to_string(compute_answer())); });
}
)";

// The first log line containing `needle` (empty if none).
std::string line_with(const std::string& log, const std::string& needle) {
  auto at = log.find(needle);
  if (at == std::string::npos) return {};
  auto begin = log.rfind('\n', at);
  auto end = log.find('\n', at);
  return log.substr(begin == std::string::npos ? 0 : begin + 1,
                    end == std::string::npos ? std::string::npos : end - begin - 1);
}

// Builds the project in `dir` with the real CLI's debug profile; returns the module bytes.
std::string build_debug_service(const TempDir& dir) {
  auto created = run({(bin_dir() / "edge").string(), "new", "trapper", "--template", "hello"}, dir.path());
  REQUIRE_MESSAGE(created.exit_code == 0, std::string(created.out + created.err));
  auto project = dir.path() / "trapper";
  write_file(project / "src" / "main.cpp", kTrappingSource);
  auto built = run({(bin_dir() / "edge").string(), "build", "--debug"}, project);
  REQUIRE_MESSAGE(built.exit_code == 0, std::string(built.out + built.err));
  return read_file(project / "build" / "trapper.wasm");
}

// Serves `wasm` on a real node with `engine`, requests it once (it traps) and returns the service log.
std::string trap_log(const TempDir& dir, const std::string& wasm, const char* engine) {
  auto options = node::node_options(dir.path() / "node");
  options.extra_args = {"--engine", engine};
  NodeProcess edge_node(options);
  REQUIRE(edge_node.start());
  auto cli = node::client(edge_node);
  // With --engine aot the start waits for the compile: seconds alone, far more on a loaded machine.
  cli->set_read_timeout(280, 0);
  auto uploaded = node::upload(*cli, node::image_tar("trapper-v1", "1.0.0", wasm));
  REQUIRE(uploaded);
  REQUIRE(uploaded->status / 100 == 2);
  auto started = node::start_container(*cli, "trapper-v1");
  REQUIRE(started);
  REQUIRE_MESSAGE(started->status / 100 == 2, started->body);

  auto answer = cli->Get(node::service_path(edge_node, "/trapper/v1/"));
  REQUIRE(answer);
  CHECK(answer->status == 500);
  // The reply stays short: the trace is in the log, not in the JSON.
  CHECK(answer->body.find("divide_by_zero") == std::string::npos);
  CHECK(answer->body.find("integer divide by zero") != std::string::npos);

  auto logs = cli->Get("/mcm/v1/containers/" + edge_node.client_id() + "-trapper-v1/logs");
  REQUIRE(logs);
  REQUIRE(logs->status == 200);
  return logs->body;
}

TEST_CASE("a trapping debug service logs its backtrace with function names and main.cpp:LINE") {
  TempDir dir;
  std::string wasm = build_debug_service(dir);
  std::string log = trap_log(dir, wasm, "interp");
  INFO(log);
  // Each frame is one log line: the function (name section) and where (DWARF line table).
  std::string trapped = line_with(log, "#0 ");
  CHECK(trapped.find("divide_by_zero(int)") != std::string::npos);
  CHECK(trapped.find(" at src/main.cpp:6") != std::string::npos);  // `return x / zero;`
  std::string caller = line_with(log, "#1 ");
  CHECK(caller.find("compute_answer()") != std::string::npos);
  CHECK(caller.find(" at src/main.cpp:9") != std::string::npos);
  CHECK(line_with(log, "#2 ").find("main.cpp:12") != std::string::npos);  // the route's lambda
}

// Compiled code cannot tell the trapping Wasm instruction: each frame names its function and
// the line the function starts on.
TEST_CASE("the compiled tier logs the same frames with the line each function starts on") {
  TempDir dir;
  std::string wasm = build_debug_service(dir);
  std::string log = trap_log(dir, wasm, "aot");
  INFO(log);
  std::string trapped = line_with(log, "#0 ");
  CHECK(trapped.find("divide_by_zero(int) in function starting at src/main.cpp:5") != std::string::npos);
  CHECK(line_with(log, "#1 ").find("compute_answer() in function starting at src/main.cpp:9") != std::string::npos);
  CHECK(line_with(log, "#2 ").find("main.cpp:12") != std::string::npos);  // the route's lambda
}

TEST_CASE("edge build --debug names the source line that calls an import outside the ABI") {
  TempDir dir;
  auto created = run({(bin_dir() / "edge").string(), "new", "badimport", "--template", "hello"}, dir.path());
  REQUIRE_MESSAGE(created.exit_code == 0, std::string(created.out + created.err));
  auto project = dir.path() / "badimport";
  write_file(project / "src" / "main.cpp", R"(#include <edge/edge.hpp>

extern "C" __attribute__((import_module("env"), import_name("not_in_abi"))) int not_in_abi(int);

__attribute__((noinline)) int use_it(int x) {
  return not_in_abi(x) + 1;
}

EDGE_SERVICE(app) {
  app.get("/", [](edge::Request&, edge::Response& res) { res.text(std::to_string(use_it(1))); });
}
)");
  auto built = run({(bin_dir() / "edge").string(), "build", "--debug"}, project, {{"NO_COLOR", "1"}});
  CHECK(built.exit_code != 0);
  std::string problem = line_with(built.out + built.err, "import env.not_in_abi");
  INFO(std::string(built.out + built.err));
  CHECK(problem.find("use_it(int) at src/main.cpp:6") != std::string::npos);
}

}  // namespace
}  // namespace edge::test
