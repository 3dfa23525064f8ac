#pragma once
// The outbound HTTP(S) client behind httpclient.fetch: Boost.Beast over Asio, TLS with OpenSSL and
// the system's CA store, redirects followed (at most 5), bounded by the request's deadline.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace edge::node {

struct FetchRequest {
  std::string url, method;
  std::map<std::string, std::string> headers;
  std::string body;
};
struct FetchResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct FetchOutcome {
  std::optional<FetchResponse> response;  // none: `error` says why
  std::string error;                      // names the URL and the cause
  bool deadline_passed = false;           // the request's time ran out during the fetch
};

// Everything, from name resolution to the last body byte, ends by `deadline`: the fetch then
// stops where it is (a silent upstream cannot hold the request past its limit). At most
// `max_body_bytes` of response body are accepted.
FetchOutcome http_fetch(const FetchRequest& request, std::chrono::steady_clock::time_point deadline,
                        size_t max_body_bytes);

}  // namespace edge::node
