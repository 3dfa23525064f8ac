#include "deploy_target.hpp"

#include "edge/core/api_key.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "edge/core/manifest.hpp"
#include "edge/core/tls_fingerprint.hpp"
#include "ui.hpp"

namespace edge::deploy {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  auto end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The first line of a token file, trimmed; empty when the file is absent or unreadable.
std::string read_token_file(const fs::path& p) {
  std::error_code ec;
  if (p.empty() || !fs::is_regular_file(p, ec)) return {};
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return trim(line);
}

fs::path home() { return env("HOME"); }

}  // namespace

void add_node_flags(CLI::App* cmd, NodeFlags& f, bool fleet, bool json) {
  // allow_extra_args(false): each --node takes one URL, so `--node URL IMAGE.tar` leaves the
  // image to the positional argument.
  if (fleet) {
    cmd->add_option("--node", f.nodes,
                    "Node URL (repeat for a fleet; default $EDGE_ENGINE_URI or " + std::string(kDefaultNode) + ")")
        ->allow_extra_args(false);
    cmd->add_option("--nodes-file", f.nodes_file, "File listing node URLs, one per line (# comments)");
  } else {
    // One node: given twice is an error, and the help does not show it as repeatable.
    cmd->add_option("--node", f.nodes, "Node URL (default $EDGE_ENGINE_URI or " + std::string(kDefaultNode) + ")")
        ->allow_extra_args(false)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  }
  cmd->add_option("--token", f.token, "Access token (default $EDGE_TOKEN, .edgetoken, ~/.edge-node/token)");
  cmd->add_option("--api-key-file", f.api_key_file,
                  "mim OE API key file, mimoe-api-key.env: its MCM_API_KEY is the bearer (default $MCM_API_KEY)");
  cmd->add_option("--client-id", f.client_id, "Client id to act for (x-client-id; mim OE defaults to \"api\")");
  cmd->add_option("--ca", f.tls.ca_file,
                  "For https:// nodes: trust this PEM certificate (a CA, or the node's own cert.pem) instead of the "
                  "system's CAs");
  cmd->add_option("--pin-sha256", f.tls.pin_sha256,
                  "For https:// nodes: trust exactly the certificate with this SHA-256 fingerprint (as edge-node "
                  "prints it)");
  cmd->add_option("--connect-timeout", f.connect_timeout, "Seconds to wait for a connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  cmd->add_option("--timeout", f.timeout, "Seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  if (json) cmd->add_flag("--json", f.json, "Print the result as JSON");
}

Result<std::string> resolve_token(const NodeFlags& flags, const fs::path& project_dir) {
  if (!flags.token.empty()) return flags.token;
  if (!flags.api_key_file.empty()) {
    std::ifstream in(flags.api_key_file);
    if (!in)
      return make_error("cannot read the API key file " + flags.api_key_file,
                        "check the path (mim OE writes mimoe-api-key.env in its work dir)");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto key = mcm_api_key_of(text)) return *key;
    return make_error(flags.api_key_file + " has no MCM_API_KEY=... line", "give the node's mimoe-api-key.env");
  }
  if (auto k = env("MCM_API_KEY"); !k.empty()) return trim(k);
  if (auto t = env("EDGE_TOKEN"); !t.empty()) return trim(t);
  if (!project_dir.empty())
    if (auto t = read_token_file(project_dir / ".edgetoken"); !t.empty()) return t;
  if (!home().empty())
    if (auto t = read_token_file(home() / ".edgetoken"); !t.empty()) return t;
  fs::path data_dir = env("EDGE_NODE_DATA_DIR");
  if (data_dir.empty() && !home().empty()) data_dir = home() / ".edge-node";
  if (!data_dir.empty()) return read_token_file(data_dir / "token");
  return std::string();
}

Result<Target> resolve_single_target(const NodeFlags& flags, const fs::path& project_dir) {
  if (flags.nodes.size() > 1)
    return make_error("this command talks to one node, not " + std::to_string(flags.nodes.size()), "give --node once");
  auto targets = resolve_targets(flags, project_dir);
  if (!targets) return targets.error();
  return targets->front();
}

Result<std::vector<Target>> resolve_targets(const NodeFlags& flags, const fs::path& project_dir) {
  if (!flags.tls.pin_sha256.empty() && !parse_fingerprint(flags.tls.pin_sha256))
    return make_error("--pin-sha256 " + flags.tls.pin_sha256 + " is not a SHA-256 fingerprint",
                      "give the 64 hex digits the node printed at start (colons optional)");
  if (!flags.tls.ca_file.empty() && !fs::is_regular_file(flags.tls.ca_file))
    return make_error("--ca " + flags.tls.ca_file + " is not a file", "give a PEM certificate file");
  auto resolved = resolve_token(flags, project_dir);
  if (!resolved) return resolved.error();
  const std::string& default_token = *resolved;
  // The node `edge dev` runs for this project keeps its token in its data dir and its address
  // beside it: it is used for that address unless a token or key was given.
  const bool given =
      !flags.token.empty() || !flags.api_key_file.empty() || !env("MCM_API_KEY").empty() || !env("EDGE_TOKEN").empty();
  const fs::path dev_state = project_dir.empty() ? fs::path() : project_dir / "build" / ".edge-dev";
  const std::string dev_url = given || dev_state.empty() ? std::string() : read_token_file(dev_state / "node.url");
  std::vector<Target> out;
  auto add = [&](const std::string& raw, const std::string& token) -> Status {
    auto url = mcm::normalise_node_url(raw);
    if (!url) return url.error();
    for (const auto& t : out)
      if (t.url == *url) return ok();  // the same node twice: deploy once
    std::string chosen = token.empty() ? default_token : token;
    if (token.empty() && !dev_url.empty() && *url == dev_url)
      if (auto t = read_token_file(dev_state / "node" / "token"); !t.empty()) chosen = t;
    const bool pinned = !flags.tls.pin_sha256.empty() || !flags.tls.ca_file.empty();
    if (pinned && !url->starts_with("https://"))
      return make_error("--pin-sha256 and --ca are for https:// nodes; " + *url + " speaks plain HTTP",
                        "give the node's address as https://HOST:PORT (a node started with --tls-cert)");
    out.push_back({*url, chosen, flags.client_id, flags.tls});
    return ok();
  };
  for (const auto& n : flags.nodes)
    if (auto st = add(n, {}); !st) return st.error();
  if (!flags.nodes_file.empty()) {
    std::ifstream in(flags.nodes_file);
    if (!in)
      return make_error("cannot read the nodes file " + flags.nodes_file, "give a file with one node URL per line");
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      std::istringstream fields(line);
      std::string url, token;
      if (!(fields >> url)) continue;
      fields >> token;  // optional: a per-node token after the URL
      if (auto st = add(url, token); !st)
        return make_error(flags.nodes_file + ":" + std::to_string(line_no) + ": " + st.error().message,
                          st.error().hint);
    }
    if (out.empty())
      return make_error("the nodes file " + flags.nodes_file + " lists no node",
                        "write one URL per line, e.g. http://10.0.0.5:8083");
  }
  if (out.empty()) {
    std::string fallback = env("EDGE_ENGINE_URI");
    if (auto st = add(fallback.empty() ? kDefaultNode : fallback, {}); !st) return st.error();
  }
  return out;
}

fs::path current_project_dir() {
  auto root = find_project_root(fs::current_path());
  return root ? *root : fs::path();
}

mcm::Timeouts timeouts(const NodeFlags& flags) { return {flags.connect_timeout, flags.timeout}; }

std::string one_line(const Error& e) { return e.hint.empty() ? e.message : e.message + " — " + e.hint; }

void print_failure(const Error& e) {
  fmt::print(stderr, "{} {}\n", ui::red("error:"), one_line(e));
  ui::note_json_error(e);
}

}  // namespace edge::deploy
