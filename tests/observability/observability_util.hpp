#pragma once
// Shared by the observability tests (issue 26): programs from Debian's packages started beside a
// node, and the node's /metrics as a scraper reads it.
#include <filesystem>
#include <string>
#include <vector>

#include "../security/security_util.hpp"
#include "node_test_util.hpp"

namespace edge::test::observability {

// The path of `name` on PATH, or empty.
std::string find_program(const std::string& name);

// A program running in the background, its output in `log`; killed (SIGTERM, then SIGKILL) at
// scope exit.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

 private:
  pid_t pid_ = -1;
};

// A prometheus.yml scraping the node on 127.0.0.1:`node_port` every second as job "edge-node",
// with the bearer token in `token_file`.
std::string fmt_config(int node_port, const std::string& token_file);

// GET /metrics with the node's token; REQUIREs 200.
std::string scrape(const NodeProcess& node);

}  // namespace edge::test::observability
