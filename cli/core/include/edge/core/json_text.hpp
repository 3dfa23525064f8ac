#pragma once
// The text of a JSON document that may hold text from outside (a URL, a header, a file name, a
// guest's output): invalid UTF-8 becomes U+FFFD instead of nlohmann's dump() throwing, which on a
// connection or a job would end the node. Every JSON the node and the CLI write goes through it.
#include <string>

#include <nlohmann/json.hpp>

namespace edge {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edge
