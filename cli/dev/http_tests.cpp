#include "dev/http_tests.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>

#include "dev/dev_cycle.hpp"
#include "dev/local_node.hpp"
#include "mcm_client.hpp"
#include "ui.hpp"

namespace edge::dev {
namespace fs = std::filesystem;
namespace {

Result<std::map<std::string, std::string>> string_map(const YAML::Node& n, const std::string& where) {
  std::map<std::string, std::string> out;
  if (!n) return out;
  if (!n.IsMap()) return make_error(where + " must be a mapping of names to strings");
  for (const auto& kv : n) out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return out;
}

Result<HttpCase> read_case(const YAML::Node& n, const std::string& file, size_t index) {
  const std::string where = fmt::format("{} (test {})", file, index + 1);
  if (!n.IsMap()) return make_error(where + ": a test is a mapping", "see `edge help test` and docs/cli.md");
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (key != "name" && key != "request" && key != "headers" && key != "body" && key != "expect")
      return make_error(where + ": unknown key `" + key + "`", "a test has name, request, headers, body and expect");
  }
  HttpCase c;
  c.file = file;
  c.name = n["name"] ? n["name"].as<std::string>() : fmt::format("test {}", index + 1);
  const std::string request = n["request"] ? n["request"].as<std::string>() : "";
  const auto space = request.find(' ');
  if (space == std::string::npos || request.size() <= space + 1 || request[space + 1] != '/')
    return make_error(where + ": request `" + request + "` is not `METHOD /path`",
                      "write e.g. `request: GET /?name=Ann`");
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
        else c.body_contains.push_back(kv.second.as<std::string>());
      } else if (key == "headers") {
        auto h = string_map(kv.second, where + ": expect.headers");
        if (!h) return h.error();
        for (auto& [k, v] : *h) {
          std::string lower = k;
          std::transform(lower.begin(), lower.end(), lower.begin(),
                         [](unsigned char ch) { return char(std::tolower(ch)); });
          c.header_contains[lower] = v;
        }
      } else {
        return make_error(where + ": unknown expectation `" + key + "`",
                          "expect has status, body, body_contains and headers");
      }
    }
  }
  return c;
}

}  // namespace

Result<std::vector<HttpCase>> read_http_cases(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(root / "tests", ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".yaml" || it->path().extension() == ".yml") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::vector<HttpCase> cases;
  for (const auto& f : files) {
    const std::string shown = f.lexically_relative(root).string();
    try {
      YAML::Node doc = YAML::LoadFile(f.string());
      if (!doc || doc.IsNull()) continue;
      if (!doc.IsSequence())
        return make_error(shown + ": a list of tests is expected", "start each test with `- name: ...`");
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

namespace {

// What is wrong with an answer, or empty when it is what the test expects.
std::string check(const HttpCase& c, const httplib::Result& res) {
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

}  // namespace

size_t HttpRun::failed() const {
  return static_cast<size_t>(
      std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.error.empty(); }));
}

Result<HttpRun> run_http_cases(const fs::path& root, const std::vector<HttpCase>& cases, build::Profile profile) {
  const fs::path state = root / "build" / ".edge-test";
  auto node = LocalNode::start(state / "node", state / "node.log", 0);
  if (!node) return node.error();
  DevCycle cycle(root, profile, deploy::Target{(*node)->url(), (*node)->token(), {}, {}});
  auto deployed = cycle.run();
  if (!deployed.deployed)
    return make_error("the service did not build or deploy", "fix what is printed above and run `edge test` again");
  ui::step(fmt::format("HTTP tests: {} at {}", deployed.image_name, deployed.service_url));

  HttpRun run;
  run.service = deployed.image_name;
  run.url = deployed.service_url;
  // The service URL ends with '/': a test's path is relative to the base path.
  const std::string base =
      deployed.service_url.substr((*node)->url().size(), deployed.service_url.size() - (*node)->url().size() - 1);
  httplib::Client http((*node)->url());
  http.set_read_timeout(60, 0);
  for (const auto& c : cases) {
    const auto t0 = std::chrono::steady_clock::now();
    auto res = http.send([&] {
      httplib::Request req;
      req.method = c.method;
      req.path = base + c.target;
      req.headers = httplib::Headers(c.headers.begin(), c.headers.end());
      req.body = c.body;
      return req;
    }());
    HttpCaseResult r{&c, check(c, res), "",
                     std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()};
    if (r.error.empty()) {
      ui::success(fmt::format("{} ({:.0f} ms)", c.name, r.ms));
    } else {
      r.answer = res ? res->body.substr(0, 300) : "";
      ui::error(make_error(fmt::format("{} ({}): {}", c.name, c.file, r.error),
                           res ? "the answer was: " + r.answer : "see " + (state / "node.log").string()));
    }
    run.results.push_back(std::move(r));
  }
  if (run.failed()) {
    mcm::Client client((*node)->url(), (*node)->token(), mcm::Timeouts{2, 5});
    (void)client.logs(deployed.container_id, false, [&](std::string_view chunk) {
      run.service_log.append(chunk);
      return true;
    });
  }
  return run;
}

}  // namespace edge::dev
