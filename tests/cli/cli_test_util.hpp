#pragma once
// Small helpers shared by the CLI tests.
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace edge::test {

inline std::filesystem::path test_wasm(const std::string& stem) {
  return std::filesystem::path(EDGE_TEST_WASM_DIR) / (stem + ".wasm");
}
inline std::filesystem::path test_data(const std::string& rel) {
  return std::filesystem::path(EDGE_TEST_DATA_DIR) / rel;
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  auto s = read_file(p);
  return std::vector<uint8_t>(s.begin(), s.end());
}

// The lines of `text` that contain `needle`.
inline std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

}  // namespace edge::test
