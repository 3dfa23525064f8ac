#include "build/sdk_prelude.hpp"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <string_view>

namespace edge::build {
namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "<edge/edge.hpp>" from `#include <edge/edge.hpp>` (spaces allowed after '#'); empty otherwise.
std::string angle_include(std::string_view line) {
  if (line.empty() || line.front() != '#') return {};
  line = trim(line.substr(1));
  if (!line.starts_with("include")) return {};
  line = trim(line.substr(7));
  if (line.size() < 3 || line.front() != '<') return {};
  auto close = line.find('>');
  if (close == std::string_view::npos || !trim(line.substr(close + 1)).empty()) return {};
  return std::string(line.substr(0, close + 1));
}

}  // namespace

std::vector<std::string> leading_angle_includes(const fs::path& source) {
  std::ifstream in(source);
  std::vector<std::string> includes;
  bool in_block_comment = false;
  for (std::string raw; std::getline(in, raw);) {
    std::string_view line = trim(raw);
    if (in_block_comment) {
      auto end = line.find("*/");
      if (end == std::string_view::npos) continue;
      in_block_comment = false;
      line = trim(line.substr(end + 2));
    }
    if (line.empty() || line.starts_with("//")) continue;
    if (line.starts_with("/*")) {
      auto end = line.find("*/", 2);
      if (end == std::string_view::npos) {
        in_block_comment = true;
        continue;
      }
      if (!trim(line.substr(end + 2)).empty()) break;  // code after the comment
      continue;
    }
    auto include = angle_include(line);
    if (include.empty()) break;
    includes.push_back(std::move(include));
  }
  return includes;
}

bool includes_sdk(const std::vector<std::string>& includes) {
  for (const auto& i : includes)
    if (i.starts_with("<edge/")) return true;
  return false;
}

Prelude make_prelude(const fs::path& preludes_dir, const std::vector<std::string>& includes,
                     const std::vector<std::string>& compile_base, const std::vector<std::string>& object_base) {
  std::string text;
  for (const auto& i : includes) text += "#include " + i + "\n";
  Prelude p;
  // One folder per distinct set, so sources that start alike share one precompiled prelude.
  p.dir = preludes_dir / fmt::format("{:016x}", std::hash<std::string>{}(text));
  p.header = p.dir / "prelude.hpp";
  p.header_text = text;
  p.pch = p.dir / "prelude.pch";
  p.object = p.dir / "prelude.o";
  p.pch_command = compile_base;
  p.pch_command.insert(p.pch_command.end(), {"-x", "c++-header", p.header.string(), "-fpch-instantiate-templates",
                                             "-fpch-codegen", "-fpch-debuginfo", "-o", p.pch.string()});
  p.object_command = object_base;
  p.object_command.insert(p.object_command.end(), {"-c", p.pch.string(), "-o", p.object.string()});
  return p;
}

}  // namespace edge::build
