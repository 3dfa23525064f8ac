#include "dashboard.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "node.hpp"
#include "web_server.hpp"

namespace edge::node {
namespace fs = std::filesystem;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

const char* content_type_of(const std::string& extension) {
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  return "image/svg+xml";
}

}  // namespace

fs::path dashboard_dir() {
  if (const char* env = std::getenv("EDGE_SHARE_DIR"); env && *env) return fs::path(env) / "dashboard";
  return (executable_dir() / ".." / "share" / "edge" / "dashboard").lexically_normal();
}

web::Response serve_dashboard(const std::string& file) {
  // A strict name: no '/', no "..", so nothing outside the folder can be asked for.
  static const std::regex allowed(R"(([A-Za-z0-9_-]+)\.(html|js|css|svg))");
  const std::string name = file.empty() ? "index.html" : file;
  std::smatch m;
  if (!std::regex_match(name, m, allowed))
    return error_response(404, "no dashboard file " + name, "open the dashboard at /");
  const fs::path path = dashboard_dir() / name;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return error_response(404, "no dashboard file " + path.string(),
                          "the dashboard is read from share/edge/dashboard next to the binary "
                          "(or $EDGE_SHARE_DIR/dashboard): build or install edge-node again");
  std::ostringstream body;
  body << in.rdbuf();
  // The page talks to the mCM API only on this origin; keep it from being framed or fed
  // scripts from elsewhere.
  web::Response res{web::http::status::ok, 11};
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");  // `/?token=...` must not leak in a Referer
  res.set("Cache-Control", "no-cache");
  res.set(web::http::field::content_type, content_type_of(m[2].str()));
  res.body() = body.str();
  return res;
}

}  // namespace edge::node
