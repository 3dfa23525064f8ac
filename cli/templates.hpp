#pragma once
// The templates `edge new` scaffolds from: folders under share/edge/templates holding a
// template.yaml (their description). Read by `edge new` and by completion.
#include <string>
#include <vector>

namespace edge::templates {

inline constexpr const char* kMetaFile = "template.yaml";

struct Info {
  std::string name;
  std::string description;
};

// Every installed template, by name.
std::vector<Info> list();

}  // namespace edge::templates
