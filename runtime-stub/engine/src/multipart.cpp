#include "edge/node/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace edge::node {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The value of `key=` in a header like `form-data; name="a"; filename="b"` (quotes optional).
std::string param(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    std::string_view item = trim(header.substr(pos, semi == std::string_view::npos ? header.npos : semi - pos));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && lower(trim(item.substr(0, eq))) == key) {
      std::string_view v = trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return {};
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) return std::nullopt;
  std::string b = param(content_type, "boundary");
  if (b.empty()) return std::nullopt;
  return b;
}

std::optional<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary) {
  std::string delim = "--" + std::string(boundary);
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return std::nullopt;
  std::vector<FormPart> parts;
  pos += delim.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    size_t header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string_view::npos) return std::nullopt;
    FormPart part;
    std::string_view headers = body.substr(pos, header_end - pos);
    size_t hpos = 0;
    while (hpos <= headers.size()) {
      size_t eol = headers.find("\r\n", hpos);
      std::string_view line = headers.substr(hpos, eol == std::string_view::npos ? headers.npos : eol - hpos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name = lower(trim(line.substr(0, colon)));
        std::string_view value = trim(line.substr(colon + 1));
        if (name == "content-disposition") {
          part.name = param(value, "name");
          part.filename = param(value, "filename");
        } else if (name == "content-type") {
          part.content_type = std::string(value);
        }
      }
      if (eol == std::string_view::npos) break;
      hpos = eol + 2;
    }
    size_t data_start = header_end + 4;
    size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return std::nullopt;
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    pos = next + 2 + delim.size();
  }
}

}  // namespace edge::node
