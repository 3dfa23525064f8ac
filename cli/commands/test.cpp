// edge test [-C DIR] [--release] [--filter TEXT]: the project's HTTP tests, tests/*.yaml, against
// its module running on a local edge-node. The module is built, packed and deployed as `edge dev`
// does it (the real engine and ABI, not a mock), then every request is sent and its answer
// checked. The format is in docs/cli.md ("edge test").
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "command.hpp"
#include "dev/dev_cycle.hpp"
#include "dev/local_node.hpp"
#include "mcm_client.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

struct TestArgs {
  std::string dir = ".";
  bool release = false;
  std::string filter;
  bool json = false;
};

struct Case {
  std::string file, name;
  std::string method, target;  // "GET", "/items?x=1" (relative to the service's base path)
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<int> status;
  std::optional<std::string> body_equals;
  std::vector<std::string> body_contains;
  std::map<std::string, std::string> header_contains;  // lower-case name -> text the value holds
};

Result<std::map<std::string, std::string>> string_map(const YAML::Node& n, const std::string& where) {
  std::map<std::string, std::string> out;
  if (!n) return out;
  if (!n.IsMap()) return make_error(where + " must be a mapping of names to strings");
  for (const auto& kv : n) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

Result<Case> read_case(const YAML::Node& n, const std::string& file, size_t index) {
  const std::string where = fmt::format("{} (test {})", file, index + 1);
  if (!n.IsMap()) return make_error(where + ": a test is a mapping", "see `edge help test` and docs/cli.md");
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (key != "name" && key != "request" && key != "headers" && key != "body" && key != "expect")
      return make_error(where + ": unknown key `" + key + "`", "a test has name, request, headers, body and expect");
  }
  Case c;
  c.file = file;
  c.name = n["name"] ? n["name"].as<std::string>() : fmt::format("test {}", index + 1);
  const std::string request = n["request"] ? n["request"].as<std::string>() : "";
  const auto space = request.find(' ');
  if (space == std::string::npos || request.size() <= space + 1 || request[space + 1] != '/')
    return make_error(where + ": request `" + request + "` is not `METHOD /path`", "write e.g. `request: GET /?name=Ann`");
  c.method = request.substr(0, space);
  c.target = request.substr(space + 1);
  auto headers = string_map(n["headers"], where + ": headers");
  if (!headers) return headers.error();
  c.headers = *headers;
  if (n["body"]) c.body = n["body"].as<std::string>();
  if (const auto& e = n["expect"]) {
    if (!e.IsMap()) return make_error(where + ": expect must be a mapping", "e.g. `expect: {status: 200}`");
    for (const auto& kv : e) {
      const auto key = kv.first.as<std::string>();
      if (key == "status") c.status = kv.second.as<int>();
      else if (key == "body") c.body_equals = kv.second.as<std::string>();
      else if (key == "body_contains") {
        if (kv.second.IsSequence())
          for (const auto& s : kv.second) c.body_contains.push_back(s.as<std::string>());
        else
          c.body_contains.push_back(kv.second.as<std::string>());
      } else if (key == "headers") {
        auto h = string_map(kv.second, where + ": expect.headers");
        if (!h) return h.error();
        for (auto& [k, v] : *h) {
          std::string lower = k;
          std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
          c.header_contains[lower] = v;
        }
      } else {
        return make_error(where + ": unknown expectation `" + key + "`", "expect has status, body, body_contains and headers");
      }
    }
  }
  return c;
}

Result<std::vector<Case>> read_cases(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root / "tests", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".yaml" || it->path().extension() == ".yml") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const auto& f : files) {
    const std::string shown = f.lexically_relative(root).string();
    try {
      YAML::Node doc = YAML::LoadFile(f.string());
      if (!doc || doc.IsNull()) continue;
      if (!doc.IsSequence()) return make_error(shown + ": a list of tests is expected", "start each test with `- name: ...`");
      for (size_t i = 0; i < doc.size(); ++i) {
        auto c = read_case(doc[i], shown, i);
        if (!c) return c.error();
        cases.push_back(std::move(*c));
      }
    } catch (const YAML::Exception& e) {
      return make_error(shown + ": " + e.what(), "fix the YAML on that line");
    }
  }
  return cases;
}

// What is wrong with an answer, or empty when it is what the test expects.
std::string check(const Case& c, const httplib::Result& res) {
  if (!res) return "no answer: " + httplib::to_string(res.error());
  if (c.status && res->status != *c.status) return fmt::format("status {}, expected {}", res->status, *c.status);
  if (c.body_equals && res->body != *c.body_equals) return "the body differs from the expected one";
  for (const auto& text : c.body_contains)
    if (res->body.find(text) == std::string::npos) return "the body does not contain `" + text + "`";
  for (const auto& [name, text] : c.header_contains) {
    if (!res->has_header(name)) return "no header " + name;
    if (res->get_header_value(name).find(text) == std::string::npos)
      return fmt::format("header {} is `{}`, expected it to contain `{}`", name, res->get_header_value(name), text);
  }
  return {};
}

int run_test(const TestArgs& args) {
  auto found = find_project_root(args.dir);
  if (!found) {
    ui::error(found.error());
    return kExitUsage;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(*found, ec);
  auto cases = read_cases(root);
  if (!cases) {
    ui::error(cases.error());
    return kExitUsage;
  }
  std::erase_if(*cases, [&](const Case& c) { return !args.filter.empty() && c.name.find(args.filter) == std::string::npos; });
  if (cases->empty()) {
    ui::error(make_error(args.filter.empty() ? "no tests in tests/*.yaml" : "no test name contains `" + args.filter + "`",
                         "write tests/smoke.yaml, e.g.\n  - name: greets\n    request: GET /\n    expect: {status: 200}"));
    return kExitUsage;
  }

  const fs::path state = root / "build" / ".edge-test";
  auto node = dev::LocalNode::start(state / "node", state / "node.log", 0);
  if (!node) {
    ui::error(node.error());
    return kExitFailure;
  }
  dev::DevCycle cycle(root, args.release ? build::Profile::Release : build::Profile::Debug,
                      deploy::Target{(*node)->url(), (*node)->token(), {}});
  auto deployed = cycle.run();
  if (!deployed.deployed) {
    ui::error(make_error("the service did not build or deploy", "fix what is printed above and run `edge test` again"));
    return kExitFailure;
  }
  ui::step(fmt::format("testing {} at {}", deployed.image_name, deployed.service_url));

  // The service URL ends with '/': a test's path is relative to the base path.
  const std::string base = deployed.service_url.substr((*node)->url().size(), deployed.service_url.size() - (*node)->url().size() - 1);
  httplib::Client http((*node)->url());
  http.set_read_timeout(60, 0);
  size_t failed = 0;
  nlohmann::json report = nlohmann::json::array();
  for (const auto& c : *cases) {
    httplib::Headers headers(c.headers.begin(), c.headers.end());
    const auto t0 = std::chrono::steady_clock::now();
    auto res = http.send([&] {
      httplib::Request req;
      req.method = c.method;
      req.path = base + c.target;
      req.headers = headers;
      req.body = c.body;
      return req;
    }());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const std::string why = check(c, res);
    report.push_back({{"name", c.name}, {"file", c.file}, {"ok", why.empty()}, {"ms", ms}});
    if (!why.empty()) {
      report.back()["error"] = why;
      report.back()["answer"] = res ? res->body.substr(0, 300) : "";
    }
    if (why.empty()) {
      ui::success(fmt::format("{} ({:.0f} ms)", c.name, ms));
      continue;
    }
    ++failed;
    ui::error(make_error(fmt::format("{} ({}): {}", c.name, c.file, why),
                         res ? "the answer was: " + res->body.substr(0, 300) : "see " + (state / "node.log").string()));
  }
  if (failed) {
    // The service's own account of what happened: its log (stderr, traps, node messages).
    mcm::Client client((*node)->url(), (*node)->token(), mcm::Timeouts{2, 5});
    fmt::print(stderr, "--- the service's log ---\n");
    (void)client.logs(deployed.container_id, false, [](std::string_view chunk) {
      fwrite(chunk.data(), 1, chunk.size(), stderr);
      return true;
    });
  }
  if (args.json)
    fmt::print("{}\n", nlohmann::json{{"service", deployed.image_name}, {"url", deployed.service_url}, {"tests", report},
                                      {"passed", cases->size() - failed}, {"failed", failed}}
                           .dump());
  else
    fmt::print("{} tests, {} failed\n", cases->size(), failed);
  return failed ? kExitFailure : kExitOk;
}

void add_test_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<TestArgs>();
  auto* cmd = app.add_subcommand("test", "Run the project's HTTP tests (tests/*.yaml) against it on a local edge-node");
  cmd->add_option("-C,--dir", args->dir, "Project folder (default: the current one)");
  cmd->add_flag("--release", args->release, "Test the release build (default: debug, whose traps name source lines)");
  cmd->add_option("--filter", args->filter, "Only the tests whose name contains this text");
  cmd->add_flag("--json", args->json, "Print the results as JSON on stdout (for CI)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_test(*args); });
}

EDGE_COMMAND(47, add_test_command);

}  // namespace
}  // namespace edge
