#pragma once
// A certificate's SHA-256 fingerprint as people read it ("AB:CD:...", 32 bytes), shared by
// `edge-node cert`, which prints it, and `edge ... --pin-sha256`, which takes it back.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edge {

using Sha256 = std::array<uint8_t, 32>;

inline std::string fingerprint_text(const Sha256& digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < digest.size(); ++i) {
    if (i) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// Hex digits, upper or lower case, with or without colons, after an optional "sha256:" or
// "sha256//"; nullopt unless exactly 32 bytes.
inline std::optional<Sha256> parse_fingerprint(std::string_view text) {
  for (std::string_view prefix : {"sha256:", "sha256//", "SHA256:"})
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  Sha256 out{};
  size_t nibbles = 0;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0 || nibbles >= 64) return std::nullopt;
    out[nibbles / 2] = static_cast<uint8_t>(out[nibbles / 2] | (nibbles % 2 ? v : v << 4));
    ++nibbles;
  }
  if (nibbles != 64) return std::nullopt;
  return out;
}

}  // namespace edge
