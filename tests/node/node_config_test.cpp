// edge-node's configuration file (--config, issue 27) and its refusal of --no-auth beyond
// loopback, against the real binary.
#include <regex>
#include <set>

#include <doctest/doctest.h>

#include "node_test_util.hpp"

using namespace edge::test;
using namespace edge::test::node;

TEST_CASE("--config: options come from a TOML file, and the command line wins over it") {
  TempDir tmp;
  write_file(tmp / "edge-node.conf",
             "# a comment\nclient-id = \"from-file\"\nlog-format = \"json\"\nmetrics-token = \"file-secret\"\n"
             "body-budget-mb = 64\n");
  auto o = node_options(tmp / "data");
  o.extra_args = {"--config", (tmp / "edge-node.conf").string()};
  NodeProcess n(o);  // passes --client-id test-client itself: that one wins
  REQUIRE_MESSAGE(n.start(), n.log());
  httplib::Client c("127.0.0.1", n.port());
  auto metrics = c.Get("/metrics", httplib::Headers{{"Authorization", "Bearer file-secret"}});
  REQUIRE(metrics);
  CHECK(metrics->status == 200);                                      // the file's metrics token
  CHECK(n.log().find("{\"level\":\"info\"") != std::string::npos);    // the file's log format
  CHECK(n.log().find("client id test-client") != std::string::npos);  // the command line's client id
}

TEST_CASE("--config: a key edge-node does not know is an error that names it, and nothing starts") {
  TempDir tmp;
  write_file(tmp / "bad.conf", "port = 8099\nprot = 9000\n");
  auto r = run({node_bin().string(), "--config", (tmp / "bad.conf").string(), "--data-dir", (tmp / "data").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("prot") != std::string::npos);
  CHECK(r.err.find("does not know") != std::string::npos);
  CHECK(!std::filesystem::exists(tmp / "data"));
}

TEST_CASE("the shipped edge-node.conf names every option of --help and is itself a valid config") {
  const std::string conf = read_file(source_dir() / "runtime-stub" / "server" / "edge-node.conf");
  auto help = run({node_bin().string(), "--help"});
  REQUIRE(help.exit_code == 0);
  std::set<std::string> options;
  const std::regex option(R"(\n  --([a-z][a-z0-9-]+))");
  for (std::sregex_iterator it(help.out.begin(), help.out.end(), option), end; it != end; ++it)
    options.insert((*it)[1]);
  for (const char* not_in_a_file : {"help", "version", "config"}) options.erase(not_in_a_file);
  REQUIRE(options.size() >= 18);
  for (const auto& key : options) {
    CAPTURE(key);
    CHECK(conf.find("\n# " + key + " = ") != std::string::npos);
  }
  // Every line uncommented with its default value is a config the node takes (the ones whose
  // default is "generated" or "none" stay commented).
  TempDir tmp;
  std::string live;
  const std::set<std::string> keep_commented = {"client-id",     "token",    "api-key-file", "cc",
                                                "metrics-token", "data-dir", "no-auth",      "i-know-no-auth",
                                                "tls-cert",      "tls-key",  "dashboard-tls"};
  for (std::istringstream lines(conf); std::getline(lines, live);) {
    static const std::regex setting(R"(^# ([a-z0-9-]+) = (.*)$)");
    std::smatch m;
    if (std::regex_match(live, m, setting) && !keep_commented.count(m[1])) {
      if (m[1] == "port") continue;  // the test's own free port
      std::string line = m[1].str() + " = " + m[2].str() + "\n";
      write_file(tmp / "all.conf",
                 (std::filesystem::exists(tmp / "all.conf") ? read_file(tmp / "all.conf") : "") + line);
    }
  }
  NodeProcess n(node_options(tmp / "data", {"--config", (tmp / "all.conf").string()}));
  INFO(read_file(tmp / "all.conf"));
  CHECK_MESSAGE(n.start(), n.log());
}

TEST_CASE("--no-auth beyond loopback needs --i-know-no-auth, and plain HTTP there is said at start") {
  TempDir tmp;
  auto refused = run({node_bin().string(), "--no-auth", "--host", "0.0.0.0", "--port", std::to_string(free_port()),
                      "--data-dir", (tmp / "a").string()});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--i-know-no-auth") != std::string::npos);
  CHECK(!std::filesystem::exists(tmp / "a"));

  auto o = node_options(tmp / "b");
  o.token = "";  // --no-auth
  o.extra_args = {"--host", "0.0.0.0", "--i-know-no-auth"};
  NodeProcess n(o);
  REQUIRE_MESSAGE(n.start(), n.log());
  CHECK(n.log().find("beyond loopback and this node speaks plain HTTP") != std::string::npos);
}

TEST_CASE("the systemd unit verifies (systemd-analyze verify), run on this build's edge-node") {
  const std::filesystem::path analyze = "/usr/bin/systemd-analyze";
  if (!std::filesystem::exists(analyze)) return skip_test("systemd-analyze is not installed (Debian's systemd)");
  TempDir tmp;
  std::string unit = read_file(source_dir() / "runtime-stub" / "server" / "systemd" / "edge-node.service");
  const std::string installed = "ExecStart=/usr/bin/edge-node ";
  REQUIRE(unit.find(installed) != std::string::npos);
  unit.replace(unit.find(installed), installed.size(), "ExecStart=" + node_bin().string() + " ");
  write_file(tmp / "edge-node.service", unit);
  auto r = run({analyze.string(), "verify", (tmp / "edge-node.service").string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("edge-node.service") == std::string::npos);  // a bad key is only a warning there
  for (const char* hardening :
       {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/edge-node", "Restart=on-failure", "After=network-online.target"}) {
    CAPTURE(hardening);
    CHECK(unit.find(std::string("\n") + hardening + "\n") != std::string::npos);
  }
}
