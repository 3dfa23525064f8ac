#include "node_identity.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "atomic_file.hpp"
#include "edge/core/api_key.hpp"

namespace edge::node {
namespace fs = std::filesystem;

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();  // no entropy: nothing safe to do
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

fs::path default_data_dir() {
  if (const char* dir = std::getenv("EDGE_NODE_DATA_DIR"); dir && *dir) return dir;  // what `edge deploy` looks at too
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".edge-node";
}

bool constant_time_equal(std::string_view given, std::string_view expected) {
  // Compare against `expected`-sized data whatever `given`'s length, so timing reveals neither
  // the token's content nor how much of a guess matched.
  std::string padded(expected.size(), '\0');
  for (size_t i = 0; i < expected.size() && i < given.size(); ++i) padded[i] = given[i];
  bool same = CRYPTO_memcmp(padded.data(), expected.data(), expected.size()) == 0;
  return same && given.size() == expected.size();
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

bool valid_client_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// The uuid-like shape real client ids have, from 16 random bytes.
std::string new_client_id() {
  std::string h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

Result<NodeIdentity> load_identity(const fs::path& data_dir, const std::string& given_client_id,
                                   const std::string& given_token, bool no_auth, const fs::path& api_key_file) {
  NodeIdentity id;
  std::error_code ec;
  // A new data dir is private: it holds the token and every service's storage and logs.
  if (!fs::exists(data_dir, ec) && fs::create_directories(data_dir, ec)) ::chmod(data_dir.c_str(), 0700);
  if (ec)
    return make_error("cannot create data dir " + data_dir.string() + ": " + ec.message(), "choose another --data-dir");
  // An existing one is made private too: others could read the token, services' storage and
  // logs, or plant compiled code in aot-cache/ that the node would load.
  struct stat st{};
  if (::stat(data_dir.c_str(), &st) == 0 && (st.st_mode & 077)) {
    if (::chmod(data_dir.c_str(), 0700) == 0) {
      id.tightened_from = unsigned(st.st_mode & 0777);
    } else if (st.st_mode & 022) {
      return make_error(
          fmt::format("the data dir {} is writable by others (mode {:04o}) and cannot be made private: {}",
                      data_dir.string(), st.st_mode & 0777, std::strerror(errno)),
          "run the node as the data dir's owner, or choose another --data-dir");
    }
  }

  const fs::path id_file = data_dir / "client-id";
  if (!given_client_id.empty()) {
    id.client_id = given_client_id;
  } else if (auto stored = read_whole_file(id_file); stored.ok() && !trim(*stored).empty()) {
    id.client_id = trim(*stored);
  } else {
    id.client_id = new_client_id();
    if (auto st = write_file_atomic(id_file, id.client_id + "\n"); !st) return st.error();
  }
  if (!valid_client_id(id.client_id))
    return make_error("invalid client id '" + id.client_id + "'",
                      "use letters, digits, '-', '_' or '.' (it becomes part of every service URL)");

  id.token_file = data_dir / "token";
  if (no_auth) return id;

  id.api_key_file = api_key_file.empty() ? data_dir / "mimoe-api-key.env" : api_key_file;
  if (auto stored = read_whole_file(id.api_key_file); stored.ok()) {
    id.mcm_api_key = mcm_api_key_of(*stored);
    if (!id.mcm_api_key)
      return make_error(id.api_key_file.string() + " has no MCM_API_KEY=... line",
                        "add one, or remove the file and the node writes new keys at start");
  } else if (!fs::exists(id.api_key_file, ec)) {
    id.mcm_api_key = random_hex(32);
    id.api_key_created = true;
    if (auto st = write_file_atomic(
            id.api_key_file, "ACCOUNT_API_KEY=" + random_hex(32) + "\nMCM_API_KEY=" + *id.mcm_api_key + "\n", 0600);
        !st)
      return st.error();
  } else {
    return make_error("cannot read " + id.api_key_file.string(), "check its permissions");
  }

  if (!given_token.empty()) {
    id.token = given_token;
    auto stored = read_whole_file(id.token_file);
    if (!stored.ok() || trim(*stored) != given_token)
      if (auto st = write_file_atomic(id.token_file, given_token + "\n", 0600); !st) return st.error();
  } else if (auto stored = read_whole_file(id.token_file); stored.ok() && !trim(*stored).empty()) {
    id.token = trim(*stored);
    ::chmod(id.token_file.c_str(), 0600);  // repair a file someone widened
  } else {
    id.token = random_hex(32);
    id.token_created = true;
    if (auto st = write_file_atomic(id.token_file, *id.token + "\n", 0600); !st) return st.error();
  }
  return id;
}

}  // namespace edge::node
