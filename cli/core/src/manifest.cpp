#include "edge/core/manifest.hpp"

#include "edge/core/suggest.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include <fstream>
#include <regex>
#include <sstream>

namespace edge {
namespace fs = std::filesystem;

Status validate_service_name(const std::string& name) {
  static const std::regex re("^[a-z][a-z0-9]*(-[a-z0-9]+)*$");
  if (name.empty()) return make_error("the service name is empty", "give a name such as `hello`");
  if (name.size() > 63)
    return make_error("service name `" + name + "` is longer than 63 characters", "choose a shorter name");
  if (!std::regex_match(name, re))
    return make_error("service name `" + name + "` is not valid",
                      "use lower-case letters, digits and single dashes, starting with a letter (e.g. `my-service`)");
  return ok();
}

Status validate_version(const std::string& version) {
  static const std::regex re("^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$");
  if (!std::regex_match(version, re))
    return make_error("version `" + version + "` is not a semantic version",
                      "write it as MAJOR.MINOR.PATCH, e.g. 1.0.0");
  return ok();
}

Status validate_api_version(const std::string& api_version) {
  static const std::regex re("^v[0-9]+$");
  if (!std::regex_match(api_version, re))
    return make_error("apiVersion `" + api_version + "` is not valid", "write it as v1, v2, ...");
  return ok();
}

Status validate_base_path(const std::string& base_path) {
  static const std::regex re("^(/[A-Za-z0-9._~-]+)+$");
  if (!std::regex_match(base_path, re))
    return make_error("basePath `" + base_path + "` is not valid",
                      "write it as /<name>/<apiVersion>, e.g. /hello/v1, with no trailing slash");
  return ok();
}

namespace {

Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& key) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) return std::vector<std::string>{node.as<std::string>()};
  if (!node.IsSequence()) return make_error("`" + key + "` must be a list of strings");
  for (const auto& item : node) {
    if (!item.IsScalar()) return make_error("`" + key + "` must be a list of strings");
    out.push_back(item.as<std::string>());
  }
  return out;
}

// A key the manifest does not know is refused, not ignored: `envv:` would otherwise drop the
// env without a word. The nearest known key is named.
Status known_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, std::string_view where) {
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.as<std::string>() : std::string("?");
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string nearest = nearest_word(key, std::span(known.begin(), known.size()));
    return make_error(fmt::format("unknown key `{}{}` in the manifest", where, key),
                      nearest.empty() ? fmt::format("the keys there are: {}", fmt::join(known, ", "))
                                      : fmt::format("did you mean `{}{}`?", where, nearest));
  }
  return ok();
}

Result<Manifest> parse_node(const YAML::Node& root) {
  if (!root.IsMap())
    return make_error("the manifest is not a YAML mapping", "start from the edge.yaml that `edge new` writes");
  if (auto st = known_keys(root, {"name", "version", "apiVersion", "basePath", "env", "build"}, ""); !st)
    return st.error();
  Manifest m;
  auto scalar = [&](const char* key, std::string& dst, bool required) -> Status {
    const auto& n = root[key];
    if (!n) {
      if (required)
        return make_error(std::string("missing `") + key + "`", std::string("add `") + key + ": ...` at the top level");
      return ok();
    }
    if (!n.IsScalar()) return make_error(std::string("`") + key + "` must be a string");
    dst = n.as<std::string>();
    return ok();
  };
  for (const auto& st : {scalar("name", m.name, true), scalar("version", m.version, false),
                         scalar("apiVersion", m.api_version, false), scalar("basePath", m.base_path, false)})
    if (!st) return st.error();
  if (auto st = validate_service_name(m.name); !st) return st.error();
  if (auto st = validate_version(m.version); !st) return st.error();
  if (auto st = validate_api_version(m.api_version); !st) return st.error();
  if (m.base_path.empty()) m.base_path = "/" + m.name + "/" + m.api_version;
  if (auto st = validate_base_path(m.base_path); !st) return st.error();

  if (const auto& env = root["env"]) {
    if (!env.IsMap())
      return make_error("`env` must be a mapping of names to strings", "write e.g. `env: {GREETING: hi}`");
    for (const auto& kv : env) {
      if (!kv.second.IsScalar()) return make_error("env `" + kv.first.as<std::string>() + "` must be a string");
      m.env[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }

  if (const auto& b = root["build"]) {
    if (!b.IsMap()) return make_error("`build` must be a mapping");
    if (auto st = known_keys(b, {"sources", "includeDirs", "defines", "cxxflags", "ldflags", "model"}, "build."); !st)
      return st.error();
    auto assign = [&](const char* key, std::vector<std::string>& dst) -> Status {
      if (!b[key]) return ok();
      auto list = string_list(b[key], std::string("build.") + key);
      if (!list) return list.error();
      dst = std::move(*list);
      return ok();
    };
    for (const auto& st :
         {assign("sources", m.build.sources), assign("includeDirs", m.build.include_dirs),
          assign("defines", m.build.defines), assign("cxxflags", m.build.cxxflags), assign("ldflags", m.build.ldflags)})
      if (!st) return st.error();
    if (const auto& model = b["model"]) {
      auto s = model.IsScalar() ? model.as<std::string>() : std::string();
      if (s == "reactor") m.build.model = ModuleModel::Reactor;
      else if (s == "command") m.build.model = ModuleModel::Command;
      else return make_error("build.model `" + s + "` is not known", "use `reactor` (default) or `command`");
    }
  }
  return m;
}

}  // namespace

Result<Manifest> parse_manifest(const std::string& yaml_text, const std::string& origin) {
  try {
    auto r = parse_node(YAML::Load(yaml_text));
    if (!r) return make_error(origin + ": " + r.error().message, r.error().hint);
    return r;
  } catch (const YAML::Exception& e) {
    return make_error(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg,
                      "fix the YAML syntax on that line");
  }
}

Result<Manifest> load_manifest(const fs::path& project_dir) {
  auto path = project_dir / kManifestFile;
  std::ifstream in(path);
  if (!in) return make_error("cannot read " + path.string(), "run this inside a project made by `edge new`");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_manifest(ss.str(), path.string());
}

std::string to_yaml(const Manifest& m) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << m.name;
  out << YAML::Key << "version" << YAML::Value << YAML::DoubleQuoted << m.version;
  out << YAML::Key << "apiVersion" << YAML::Value << m.api_version;
  out << YAML::Key << "basePath" << YAML::Value << m.base_path;
  out << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : m.env) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
  out << YAML::EndMap;
  out << YAML::Key << "build" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "model" << YAML::Value << (m.build.model == ModuleModel::Reactor ? "reactor" : "command");
  out << YAML::Key << "sources" << YAML::Value << YAML::Flow << m.build.sources;
  out << YAML::Key << "includeDirs" << YAML::Value << YAML::Flow << m.build.include_dirs;
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Result<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  auto from = fs::weakly_canonical(start, ec);
  if (ec) from = fs::absolute(start, ec);
  for (auto dir = from; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / kManifestFile, ec)) return dir;
    if (dir == dir.parent_path()) break;
  }
  return make_error("no edge.yaml here or in any parent folder",
                    "run this inside a project, or create one with `edge new NAME`");
}

}  // namespace edge
