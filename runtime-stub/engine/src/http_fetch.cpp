#include "http_fetch.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace edge::node {

Result<FetchResponse> http_fetch(const FetchRequest& request, std::chrono::milliseconds time_left) {
  // Split "scheme://host[:port]/path?query".
  const std::string& url = request.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return make_error("httpclient.fetch: '" + url + "' is not an absolute URL");
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return make_error("httpclient.fetch: unsupported scheme '" + scheme + "' in " + url);
  size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);

  auto timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(10), time_left);
  if (timeout.count() <= 0) return make_error("httpclient.fetch: no time left in this request");
  httplib::Client client(origin);
  if (!client.is_valid()) return make_error("httpclient.fetch: cannot make a client for " + origin);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
  client.set_connection_timeout(time_t(secs.count()), time_t(usecs.count()));
  client.set_read_timeout(time_t(secs.count()), time_t(usecs.count()));
  client.set_write_timeout(time_t(secs.count()), time_t(usecs.count()));
  client.set_follow_location(true);

  httplib::Request req;
  req.method = request.method.empty() ? "GET" : request.method;
  std::transform(req.method.begin(), req.method.end(), req.method.begin(),
                 [](unsigned char c) { return char(std::toupper(c)); });
  req.path = path;
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  req.body = request.body;
  if (!request.body.empty() && !req.has_header("Content-Type")) req.headers.emplace("Content-Type", "application/json");

  auto res = client.send(req);
  if (!res) return make_error("httpclient.fetch " + url + " failed: " + httplib::to_string(res.error()));
  FetchResponse out;
  out.status = res->status;
  for (const auto& [k, v] : res->headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    out.headers[name] = v;
  }
  out.body = res->body;
  return out;
}

}  // namespace edge::node
