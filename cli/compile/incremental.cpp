#include "compile/incremental.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace edge::build {
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p, bool* ok = nullptr) {
  std::ifstream in(p, std::ios::binary);
  if (ok) *ok = static_cast<bool>(in);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

// Folders a source glob never descends into: build output, VCS data, dependencies' caches.
bool skipped_dir(const fs::path& name) {
  auto n = name.string();
  return n == "build" || n == "deploy" || (!n.empty() && n[0] == '.');
}

}  // namespace

Result<std::vector<fs::path>> expand_sources(const fs::path& root, const std::vector<std::string>& patterns) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& pattern : patterns) {
    if (pattern.empty() || pattern[0] == '/' || pattern.find("..") != std::string::npos)
      return make_error("build.sources pattern `" + pattern + "` must be a relative path inside the project",
                        "write it like `src/*.cpp` or `src/**/*.cpp`");
    size_t before = out.size();
    if (!has_wildcard(pattern)) {
      if (fs::is_regular_file(root / pattern, ec)) out.push_back(fs::path(pattern).lexically_normal());
    } else {
      // Walk from the longest folder prefix without wildcards.
      auto first_wild = pattern.find_first_of("*?[");
      auto slash = pattern.rfind('/', first_wild);
      fs::path base = slash == std::string::npos ? fs::path() : fs::path(pattern.substr(0, slash));
      // "**" may cross folders; otherwise "*" stays within one.
      int flags = pattern.find("**") == std::string::npos ? FNM_PATHNAME : 0;
      std::string glob = pattern;
      for (size_t p; (p = glob.find("**/")) != std::string::npos;) glob.replace(p, 3, "*");
      if (fs::is_directory(root / base, ec)) {
        for (auto it = fs::recursive_directory_iterator(root / base, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
          if (it->is_directory(ec)) {
            if (skipped_dir(it->path().filename())) it.disable_recursion_pending();
            continue;
          }
          auto rel = it->path().lexically_relative(root).generic_string();
          if (fnmatch(glob.c_str(), rel.c_str(), flags) == 0 || fnmatch(pattern.c_str(), rel.c_str(), flags) == 0)
            out.push_back(rel);
        }
      }
    }
    if (out.size() == before)
      return make_error("build.sources pattern `" + pattern + "` matches no file",
                        "add a source file there or fix `build.sources` in edge.yaml");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<fs::path> read_depfile(const fs::path& depfile) {
  bool ok = false;
  auto text = read_all(depfile, &ok);
  std::vector<fs::path> deps;
  if (!ok) return deps;
  // "target: a.cpp b.h \<newline> c.h"; spaces inside names are escaped as "\ ".
  auto colon = text.find(": ");
  if (colon == std::string::npos) return deps;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) deps.emplace_back(current);
    current.clear();
  };
  for (size_t i = colon + 2; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      char n = text[i + 1];
      if (n == '\n') {
        flush();
        ++i;
        continue;
      }
      if (n == ' ' || n == '#' || n == '\\') {
        current += n;
        ++i;
        continue;
      }
      if (n == '\r' && i + 2 < text.size() && text[i + 2] == '\n') {
        flush();
        i += 2;
        continue;
      }
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      current += '$';
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
      continue;
    }
    current += c;
  }
  flush();
  return deps;
}

bool out_of_date(const fs::path& target, const std::vector<fs::path>& inputs) {
  std::error_code ec;
  auto t = fs::last_write_time(target, ec);
  if (ec) return true;
  for (const auto& in : inputs) {
    auto m = fs::last_write_time(in, ec);
    if (ec || m > t) return true;
  }
  return false;
}

bool stamp_matches(const fs::path& stamp, const std::string& content) {
  bool ok = false;
  auto text = read_all(stamp, &ok);
  return ok && text == content;
}

void write_stamp(const fs::path& stamp, const std::string& content) {
  std::ofstream(stamp, std::ios::binary | std::ios::trunc) << content;
}

void remove_stamp(const fs::path& stamp) {
  std::error_code ec;
  fs::remove(stamp, ec);
}

Status write_if_changed(const fs::path& path, const std::string& content) {
  bool ok = false;
  if (read_all(path, &ok) == content && ok) return edge::ok();
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return make_error("cannot write " + tmp.string(), "check the folder's permissions and free space");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return make_error("cannot write " + path.string() + ": " + ec.message());
  return edge::ok();
}

}  // namespace edge::build
