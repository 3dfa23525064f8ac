// edge test [-C DIR] [--release] [--filter TEXT] [--only unit|http] [--json] [--junit FILE]: the
// project's tests, two kinds:
// - C++ tests (tests/*_test.cpp, doctest): the routes in-process on this machine under
//   edge::testing::ServiceHost, storage, env, fetches and the clock under the test's control;
// - HTTP tests (tests/*.yaml): requests to the module running on a local edge-node.
// C++ tests run first: they take milliseconds and say which assertion failed.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "compile/host_tests.hpp"
#include "commands/commands.hpp"
#include "dev/http_tests.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

struct TestArgs {
  std::string dir = ".";
  bool release = false;
  std::string filter;
  std::string only;  // "", "unit", "http"
  bool json = false;
  std::string junit;
};

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// One JUnit file for CI: doctest's own suite for the C++ tests (written to `unit_xml`), then one
// suite for the HTTP tests.
Status write_junit(const fs::path& file, const fs::path& unit_xml, const dev::HttpRun* http) {
  std::string suites;
  if (!unit_xml.empty()) {
    std::ifstream in(unit_xml);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto first = doc.find("<testsuite ");
    const auto last = doc.rfind("</testsuites>");
    if (first != std::string::npos && last != std::string::npos && last > first)
      suites += doc.substr(first, last - first);
    std::error_code ec;
    fs::remove(unit_xml, ec);
  }
  if (http) {
    double seconds = 0;
    for (const auto& r : http->results) seconds += r.ms / 1000;
    suites += fmt::format("  <testsuite name=\"http: {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
                          xml_escape(http->service), http->results.size(), http->failed(), seconds);
    for (const auto& r : http->results) {
      suites += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", xml_escape(r.test->file),
                            xml_escape(r.test->name), r.ms / 1000);
      if (r.error.empty()) suites += "/>\n";
      else
        suites += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", xml_escape(r.error),
                              xml_escape(r.answer));
    }
    suites += "  </testsuite>\n";
  }
  std::ofstream out(file);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n" << suites << "</testsuites>\n";
  if (!out) return make_error("cannot write " + file.string());
  return ok();
}

int run_test(const TestArgs& args) {
  auto found = find_project_root(args.dir);
  if (!found) {
    ui::error(found.error());
    return kExitUsage;
  }
  const fs::path& root = *found;
  auto manifest = load_manifest(root);
  if (!manifest) {
    ui::error(manifest.error());
    return kExitUsage;
  }
  auto cases = dev::read_http_cases(root);
  if (!cases) {
    ui::error(cases.error());
    return kExitUsage;
  }
  std::erase_if(*cases, [&](const dev::HttpCase& c) {
    return !args.filter.empty() && c.name.find(args.filter) == std::string::npos;
  });
  const bool want_unit = args.only != "http" && !build::host_test_sources(root).empty();
  const bool want_http = args.only != "unit" && !cases->empty();
  if (!want_unit && !want_http) {
    ui::error(
        make_error(args.filter.empty() ? "no tests: no tests/*_test.cpp and no tests/*.yaml"
                                       : "no HTTP test name contains `" + args.filter + "`, and no C++ tests",
                   "`edge new` scaffolds both kinds; docs/sdk.md (\"Testing a service\") shows how to write them"));
    return kExitUsage;
  }

  nlohmann::json report = nlohmann::json::object();
  size_t passed = 0, failed = 0;
  bool broken = false;  // a suite that could not run (compile error, no node) fails the command
  fs::path unit_xml;

  if (want_unit) {
    ui::step("C++ tests: compiling for this machine with the service's sources");
    if (!args.junit.empty()) unit_xml = root / "build" / "test" / "junit.xml";
    auto unit = build::run_host_tests({root, *manifest, args.filter, unit_xml});
    if (!unit) {
      ui::error(unit.error());
      broken = true;
      report["unit"] = {{"error", unit.error().message}};
    } else {
      // doctest's report names each failing assertion with its file and line. With --json,
      // stdout is for the JSON only.
      fmt::print(args.json ? stderr : stdout, "{}", unit->output);
      if (!unit->compiled) {
        ui::error("the C++ tests did not compile",
                  "fix the errors above (tests/*_test.cpp with the service's sources)");
        broken = true;
      } else if (unit->exit_code != 0 && unit->failed == 0) {
        ui::error(fmt::format("the C++ test program failed (exit {}) without a failing test", unit->exit_code),
                  "a crash or abort in a test or a route: run build/test/" + manifest->name + "-tests under gdb");
        broken = true;
      }
      passed += unit->passed;
      failed += unit->failed;
      report["unit"] = {{"passed", unit->passed},
                        {"failed", unit->failed},
                        {"compiled", unit->compiled},
                        {"exit_code", unit->exit_code}};
    }
  }

  std::optional<dev::HttpRun> http;
  if (want_http) {
    auto run = dev::run_http_cases(root, *cases, args.release ? build::Profile::Release : build::Profile::Debug);
    if (!run) {
      ui::error(run.error());
      broken = true;
      report["http"] = {{"error", run.error().message}};
    } else {
      http = std::move(*run);
      if (!http->service_log.empty()) fmt::print(stderr, "--- the service's log ---\n{}", http->service_log);
      nlohmann::json tests = nlohmann::json::array();
      for (const auto& r : http->results) {
        tests.push_back({{"name", r.test->name}, {"file", r.test->file}, {"ok", r.error.empty()}, {"ms", r.ms}});
        if (!r.error.empty()) {
          tests.back()["error"] = r.error;
          tests.back()["answer"] = r.answer;
        }
      }
      passed += http->results.size() - http->failed();
      failed += http->failed();
      report["http"] = {{"service", http->service},
                        {"url", http->url},
                        {"tests", tests},
                        {"passed", http->results.size() - http->failed()},
                        {"failed", http->failed()}};
    }
  }

  if (!args.junit.empty())
    if (auto written = write_junit(args.junit, unit_xml, http ? &*http : nullptr); !written) ui::error(written.error());
  if (args.json) {
    report["passed"] = passed;
    report["failed"] = failed;
    report["ok"] = failed == 0 && !broken;
    ui::print_json(report);
  } else {
    fmt::print("{} tests passed, {} failed{}\n", passed, failed, broken ? " (and a suite could not run)" : "");
  }
  return failed || broken ? kExitFailure : kExitOk;
}

}  // namespace

void add_test_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<TestArgs>();
  auto* cmd = app.add_subcommand(
      "test", "Run the project's tests: C++ (tests/*_test.cpp) in-process, HTTP (tests/*.yaml) on a local edge-node");
  cmd->add_option("-C,--dir", args->dir, "Project folder (default: the current one)");
  cmd->add_flag("--release", args->release,
                "HTTP tests on the release build (default: debug, whose traps name source lines)");
  cmd->add_option("--filter", args->filter, "Only the tests whose name contains this text");
  cmd->add_option("--only", args->only, "Only one kind: unit (C++) or http (YAML)")
      ->check(CLI::IsMember({"unit", "http"}));
  cmd->add_flag("--json", args->json, "Print the results as JSON on stdout (for CI)");
  cmd->add_option("--junit", args->junit, "Also write the results as JUnit XML to this file (for CI)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_test(*args); });
}

}  // namespace edge
