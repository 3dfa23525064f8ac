#include "doc_blocks.hpp"

#include <regex>
#include <sstream>

namespace edge::test {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

bool checked_output_line(const std::string& line) {
  const auto t = trim(line);
  for (const char* prefix : {"error:", "fix:", "warning:", "✗"})
    if (t.rfind(prefix, 0) == 0) return true;
  return false;
}

void apply_marker(DocBlock& b, const std::string& options) {
  // "run, with-node, expect: TEXT" / "skip ..."
  std::string rest = options;
  while (!rest.empty()) {
    std::string item;
    if (trim(rest).rfind("expect:", 0) == 0) {
      b.expect = trim(trim(rest).substr(7));
      break;
    }
    const auto comma = rest.find(',');
    item = trim(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    if (item == "run") b.runnable = true;
    else if (item.rfind("skip", 0) == 0) b.runnable = false;
    else if (item == "fails") b.fails = true;
    else if (item == "with-node") b.with_node = true;
  }
}

}  // namespace

std::vector<DocBlock> parse_doc_blocks(const std::string& markdown, const std::string& file, bool run_by_default) {
  static const std::regex marker(R"(^\s*<!--\s*test:\s*(.*?)\s*-->\s*$)");
  std::vector<DocBlock> blocks;
  std::istringstream in(markdown);
  std::string line, previous;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (trim(line) != "```sh") {
      previous = line;
      continue;
    }
    DocBlock b;
    b.file = file;
    b.line = number;
    b.runnable = run_by_default;
    std::smatch m;
    if (std::regex_match(previous, m, marker)) apply_marker(b, m[1].str());
    std::vector<std::string> lines;
    while (std::getline(in, line)) {
      ++number;
      if (trim(line) == "```") break;
      lines.push_back(line);
      b.text += line + "\n";
    }
    for (const auto& l : lines) b.transcript = b.transcript || l.rfind("$ ", 0) == 0;
    for (const auto& l : lines) {
      if (b.transcript && l.rfind("$ ", 0) == 0) b.commands.push_back(l.substr(2));
      else if (b.transcript && checked_output_line(l)) b.expected_lines.push_back(trim(l));
      else if (!b.transcript) b.commands.push_back(l);
    }
    blocks.push_back(std::move(b));
    previous.clear();
  }
  return blocks;
}

std::string session_script(const std::vector<DocBlock>& blocks, int port) {
  const std::string p = std::to_string(port);
  std::string s =
      "exec 2>&1\n"
      "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT\n";
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& b = blocks[i];
    if (!b.runnable) continue;
    s += "set +e\necho '@@block " + std::to_string(i) + "@@'\n";
    if (b.transcript) {
      // Each command's failure is recorded, not fatal: the test compares it with `fails`.
      for (const auto& c : b.commands) s += replace_all(c, "8083", p) + "\necho \"@@status $?@@\"\n";
    } else {
      s += "set -e\n";
      for (const auto& c : b.commands) s += replace_all(c, "8083", p) + "\n";
      s += "set +e\n";
    }
  }
  s += "echo '@@end@@'\n";
  return s;
}

}  // namespace edge::test
