#pragma once
// Which node(s) a command talks to and with which token: the flags deploy, ls, rm and logs
// share, and the defaults (EDGE_ENGINE_URI, EDGE_TOKEN, .edgetoken, the local node's data dir).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "edge/core/result.hpp"
#include "mcm_client.hpp"

namespace edge::deploy {

inline constexpr const char* kDefaultNode = "http://127.0.0.1:8083";

struct NodeFlags {
  std::vector<std::string> nodes;  // --node (repeatable for deploy)
  std::string nodes_file;          // --nodes-file: one URL per line, optional token after it, # comments
  std::string token;               // --token
  std::string api_key_file;        // --api-key-file: mim OE's mimoe-api-key.env (its MCM_API_KEY)
  std::string client_id;           // --client-id: sent as x-client-id (mim OE scopes by it)
  int connect_timeout = 3;         // --connect-timeout (seconds)
  int timeout = 30;                // --timeout (seconds, per read)
  mcm::TlsTrust tls;               // --ca, --pin-sha256 (https:// nodes)
  bool json = false;               // --json
};

// Adds --node (repeatable when `fleet`, with --nodes-file), --token, --api-key-file, --client-id,
// --ca, --pin-sha256, --connect-timeout, --timeout, and --json when the command can print JSON.
void add_node_flags(CLI::App* cmd, NodeFlags& flags, bool fleet, bool json = true);

struct Target {
  std::string url;        // normalised "http://host:port"
  std::string token;      // the bearer: a token or mim OE's API key; may be empty (a --no-auth node accepts it)
  std::string client_id;  // x-client-id, when given
  mcm::TlsTrust tls;      // how an https:// node's certificate is trusted
};

// The nodes to talk to: --node and --nodes-file, else EDGE_ENGINE_URI, else the local default.
// `project_dir` (may be empty) is where a .edgetoken file is looked for first.
Result<std::vector<Target>> resolve_targets(const NodeFlags& flags, const std::filesystem::path& project_dir);

// For ls, rm and logs: exactly one node.
Result<Target> resolve_single_target(const NodeFlags& flags, const std::filesystem::path& project_dir);

// The bearer: --token, else mim OE's API key (--api-key-file's MCM_API_KEY, else $MCM_API_KEY),
// else EDGE_TOKEN, <project>/.edgetoken, ~/.edgetoken, then the local node's <data dir>/token
// (EDGE_NODE_DATA_DIR, default ~/.edge-node). Empty when none is found; an error when the key
// file given cannot be read or has no key.
Result<std::string> resolve_token(const NodeFlags& flags, const std::filesystem::path& project_dir);

mcm::Timeouts timeouts(const NodeFlags& flags);

// The project folder around the current directory (for its .edgetoken), or empty.
std::filesystem::path current_project_dir();

// "message — hint": the one line a failure gets (in tables and on stderr).
std::string one_line(const Error& e);
// Prints "error: message — hint" on stderr.
void print_failure(const Error& e);

}  // namespace edge::deploy
