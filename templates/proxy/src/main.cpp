// {{name}}: outbound HTTP through the host (httpclient.fetch).
//   GET /fetch?url=http://example.test/path[&method=GET]  -> the upstream status, content type and body
// PROXY_ALLOW in edge.yaml lists the URL prefixes this proxy may call ("*": any http(s) URL).
// Empty, it calls nothing: an open proxy on a device reaches whatever the device can reach.
#include <edge/edge.hpp>

#include <string>

namespace {

bool allowed(const std::string& url, const std::string& allow_list) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return false;
  if (allow_list == "*") return true;
  size_t start = 0;
  while (start <= allow_list.size()) {
    size_t comma = allow_list.find(',', start);
    if (comma == std::string::npos) comma = allow_list.size();
    std::string prefix = allow_list.substr(start, comma - start);
    if (!prefix.empty() && url.rfind(prefix, 0) == 0) return true;
    start = comma + 1;
  }
  return false;
}

void fetch(edge::Request& req, edge::Response& res) {
  edge::http::FetchRequest out;
  out.url = req.query("url");
  if (out.url.empty()) return res.error(400, "give the URL to fetch: /fetch?url=http://...");
  const std::string allow = req.env("PROXY_ALLOW");
  if (allow.empty())
    return res.error(403,
                     "PROXY_ALLOW is empty, so this proxy calls nothing: list the URL prefixes it may call "
                     "in edge.yaml (env PROXY_ALLOW, comma-separated; \"*\" for any http(s) URL)");
  if (!allowed(out.url, allow))
    return res.error(403, "this proxy may not call " + out.url + " (http(s) only; see PROXY_ALLOW)");
  out.method = req.query("method", "GET");
  edge::log::info("proxy: ", out.method, " ", out.url);
  edge::http::fetch(out, [&res, url = out.url](edge::Result<edge::http::FetchResponse> r) {
    // A failure means no response at all; an HTTP error status is a response, passed on.
    if (!r) return res.error(502, "fetching " + url + " failed: " + r.error());
    res.status(r->status ? r->status : 502);
    res.header("content-type", r->headers.get("content-type", "application/octet-stream"));
    res.header("x-proxied-url", url);
    res.send(r->body);
  });
}

}  // namespace

EDGE_SERVICE(app) { app.get("/fetch", fetch); }
