#include "templates.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "paths.hpp"

namespace edge::templates {
namespace fs = std::filesystem;

std::vector<Info> list() {
  std::vector<Info> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths::templates_dir(), ec)) {
    if (!entry.is_directory(ec) || !fs::exists(entry.path() / kMetaFile, ec)) continue;
    Info t{entry.path().filename().string(), {}};
    try {
      auto meta = YAML::LoadFile((entry.path() / kMetaFile).string());
      if (meta["description"]) t.description = meta["description"].as<std::string>();
    } catch (const YAML::Exception&) {
      t.description = "(template.yaml is not readable YAML)";
    }
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace edge::templates
