#pragma once
// The outbound HTTP client behind httpclient.fetch.
#include <chrono>
#include <map>
#include <string>

#include "edge/core/result.hpp"

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

// Timeout: min(10 s, time_left). Errors name the URL and the cause.
Result<FetchResponse> http_fetch(const FetchRequest& request, std::chrono::milliseconds time_left);

}  // namespace edge::node
