#pragma once
// edge.yaml: the project manifest that `edge new` writes and build, pack and deploy read.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace edge {

enum class ModuleModel { Reactor, Command };

struct BuildSettings {
  std::vector<std::string> sources = {"src/*.cpp"};  // globs relative to the project root
  std::vector<std::string> include_dirs = {"include"};
  std::vector<std::string> defines;
  std::vector<std::string> cxxflags;  // extra compiler flags
  std::vector<std::string> ldflags;   // extra linker flags
  ModuleModel model = ModuleModel::Reactor;
};

struct Manifest {
  std::string name;  // service name: image name, container name, URL segment
  std::string version = "1.0.0";
  std::string api_version = "v1";
  std::string base_path;  // defaults to /<name>/<api_version>
  std::map<std::string, std::string> env;
  BuildSettings build;

  std::string image_name() const { return name + "-" + api_version; }  // "hello-v1"
  std::string image_file() const { return image_name() + "-" + version + ".tar"; }
};

inline constexpr const char* kManifestFile = "edge.yaml";

// Name rules: what a docker repository name, a container id and a URL segment all accept.
Status validate_service_name(const std::string& name);
Status validate_version(const std::string& version);
Status validate_api_version(const std::string& api_version);
Status validate_base_path(const std::string& base_path);

Result<Manifest> parse_manifest(const std::string& yaml_text, const std::string& origin = kManifestFile);
Result<Manifest> load_manifest(const std::filesystem::path& project_dir);
std::string to_yaml(const Manifest& m);

// Walks up from `start` to the folder holding edge.yaml; the path is canonical (symlinks resolved),
// so every command names a project's files the same way whatever folder it was started from.
Result<std::filesystem::path> find_project_root(const std::filesystem::path& start);

}  // namespace edge
