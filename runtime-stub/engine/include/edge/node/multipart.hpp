#pragma once
// A small multipart/form-data parser for request.handle_form_upload.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edge::node {

struct FormPart {
  std::string name;      // the field name
  std::string filename;  // empty for a plain field
  std::string content_type;
  std::string_view data;  // inside the body given to parse_multipart: an upload is not copied
};

// The boundary from a Content-Type header value, if it is multipart/form-data.
std::optional<std::string> multipart_boundary(std::string_view content_type);
// The parts of a body, or nullopt when it is not well-formed. The parts' data point into `body`.
std::optional<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace edge::node
