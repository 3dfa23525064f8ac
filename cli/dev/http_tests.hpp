#pragma once
// A project's HTTP tests, tests/*.yaml: each a request sent to the service running on a local
// edge-node (the real engine and ABI, not a mock) and what its answer must hold. The format is
// in docs/cli.md ("edge test").
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compile/project_build.hpp"
#include "edge/core/result.hpp"

namespace edge::dev {

struct HttpCase {
  std::string file, name;
  std::string method, target;  // "GET", "/items?x=1" (relative to the service's base path)
  std::map<std::string, std::string> headers;
  std::string body;
  std::optional<int> status;
  std::optional<std::string> body_equals;
  std::vector<std::string> body_contains;
  std::map<std::string, std::string> header_contains;  // lower-case name -> text the value holds
};

struct HttpCaseResult {
  const HttpCase* test = nullptr;
  std::string error;   // empty: passed
  std::string answer;  // the start of the body, when it failed
  double ms = 0;
};

struct HttpRun {
  std::string service, url;  // hello-v1, http://127.0.0.1:P/<clientId>/hello/v1/
  std::vector<HttpCaseResult> results;
  std::string service_log;  // fetched when a test failed: the service's own account
  size_t failed() const;
};

// Every test in tests/*.yaml, in file order; an Error names the file, the test and the fix.
Result<std::vector<HttpCase>> read_http_cases(const std::filesystem::path& root);

// Starts a node of its own (under build/.edge-test), builds and deploys the project to it as
// `edge dev` does, and sends every case. Progress and failures are printed as they happen.
Result<HttpRun> run_http_cases(const std::filesystem::path& root, const std::vector<HttpCase>& cases,
                               build::Profile profile);

}  // namespace edge::dev
