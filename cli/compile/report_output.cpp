#include "compile/report_output.hpp"

#include "ui.hpp"

namespace edge::build {

void print_problems(const ValidationReport& report) {
  for (const auto& p : report.problems) fmt::print(stderr, "  {} {}\n", ui::red("✗"), p.to_string());
}

nlohmann::json report_json(const ValidationReport& report) {
  using nlohmann::json;
  json problems = json::array();
  for (const auto& p : report.problems) {
    json used = json::array();
    for (const auto& at : p.used_at) {
      json loc = {{"function", at.function}};
      if (!at.file.empty()) loc["file"] = at.file;
      if (at.line) loc["line"] = at.line;
      used.push_back(std::move(loc));
    }
    problems.push_back({{"subject", p.subject}, {"message", p.message}, {"fix", p.fix}, {"usedAt", std::move(used)}});
  }
  json out = {{"valid", report.ok()},
              {"abiVersion", nullptr},
              {"problems", std::move(problems)},
              {"imports", json::array()},
              {"exports", json::array()}};
  if (!report.info) return out;
  const auto& info = *report.info;
  if (!info.abi_version.empty()) out["abiVersion"] = info.abi_version;
  for (const auto& i : info.imports) {
    json j = {{"module", i.module}, {"name", i.name}, {"kind", to_string(i.kind)}};
    if (i.kind == ExternKind::Func) j["signature"] = abi::to_string(i.sig);
    out["imports"].push_back(std::move(j));
  }
  for (const auto& e : info.exports) {
    json j = {{"name", e.name}, {"kind", to_string(e.kind)}};
    if (e.kind == ExternKind::Func) j["signature"] = abi::to_string(e.sig);
    out["exports"].push_back(std::move(j));
  }
  out["sizeBytes"] = info.size_bytes;
  out["model"] = info.is_reactor() ? "reactor" : info.is_command() ? "command" : "none";
  out["hasNames"] = !info.function_names.empty();
  out["hasDwarf"] = info.has_dwarf;
  if (info.memory_min_pages) out["memory"] = {{"minPages", *info.memory_min_pages}};
  if (info.memory_max_pages) out["memory"]["maxPages"] = *info.memory_max_pages;
  return out;
}

}  // namespace edge::build
