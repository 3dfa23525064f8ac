#pragma once
// The node's TLS certificate: a self-signed one for a device (`edge-node cert`), and the
// fingerprint of the one it serves, which a client pins (`edge deploy --pin-sha256`).
#include <filesystem>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge::node {

// "AB:CD:..." of the first certificate in a PEM file.
Result<std::string> certificate_fingerprint(const std::filesystem::path& pem);

struct SelfSigned {
  std::filesystem::path cert, key;  // PEM; the key 0600
  std::string fingerprint;
  std::vector<std::string> names;  // what it is valid for (subjectAltName)
};

// A P-256 key and a certificate for it, signed by itself, valid `days` from now for `names`
// (host names and IP addresses) and for this machine's own: its host name, localhost and every
// address of its interfaces, so a client that pins it may reach the node by any of them.
// Refuses to replace existing files unless `replace`.
Result<SelfSigned> make_self_signed(const std::filesystem::path& dir, std::vector<std::string> names, int days,
                                    bool replace);

}  // namespace edge::node
