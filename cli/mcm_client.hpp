#pragma once
// A small client for an edgeEngine node's management API (mCM), shared by deploy, ls, rm and
// logs. It speaks to real nodes and to our edge-node alike, and turns every failure into one
// Error whose message says what happened and whose hint says what to do: no raw exception
// texts, no httplib error codes.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edge/core/result.hpp"

namespace httplib {
class Client;
}

namespace edge::mcm {

using json = nlohmann::json;

struct Timeouts {
  int connect_seconds = 3;
  int read_seconds = 30;
};

// How an https:// node's certificate is trusted: by the system's CAs (the default), by --ca FILE
// (a CA's certificate, or the node's own self-signed one), or by its pinned SHA-256 fingerprint
// (--pin-sha256, as `edge-node cert` and the node's start print it), which trusts exactly that
// certificate whatever names it holds.
struct TlsTrust {
  std::string ca_file;
  std::string pin_sha256;
};

// The HTTP(S) client for one node, with the timeouts and, for https://, the trust: every
// connection the CLI opens to a node is made here.
std::unique_ptr<httplib::Client> open_http_client(const std::string& url, const Timeouts& timeouts,
                                                  const TlsTrust& tls);

// "http://host:port" without a trailing slash; "host:port" gets http:// in front.
Result<std::string> normalise_node_url(const std::string& raw);

// Called while an upload is under way: bytes sent so far and the total.
using UploadProgress = std::function<void(size_t sent, size_t total)>;

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
  bool no_token = false;  // the request carried no token (a 401 then means "give one")
};

class Client {
 public:
  // `client_id`: sent as x-client-id when not empty (mim OE scopes every mCM call by it).
  Client(std::string node_url, std::string token, Timeouts timeouts, std::string client_id = {}, TlsTrust tls = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  const std::string& url() const { return url_; }

  // POST /mcm/v1/images: multipart field `image`, part type application/tar. Never sends
  // `Expect: 100-continue` (real nodes answer 400 "no image received" to it).
  Result<json> upload_image(std::span<const uint8_t> tar, const std::string& filename,
                            const UploadProgress& progress = {});
  // POST /mcm/v1/containers with {"name","image","env"}.
  Result<json> start_container(const json& body);
  Result<json> list_containers();  // the `data` array
  Result<json> list_images();      // the `data` array
  Status delete_container(const std::string& id);
  Status delete_image(const std::string& id);
  // GET /mcm/v1/containers/{id}/logs (edge-node extension). With `follow`, calls `sink` as
  // lines arrive until the node closes the stream or `sink` returns false.
  Status logs(const std::string& id, bool follow, const std::function<bool(std::string_view)>& sink);

  // GET /metrics (edge-node extension): the node's Prometheus text, with the token.
  Result<std::string> metrics();

  // A plain GET of any URL on this node (the service check): no token, the same timeouts.
  Result<HttpAnswer> get_public(const std::string& path);

 private:
  Result<json> call(const std::string& method, const std::string& path, const json* body, const std::string& what);
  std::string url_;
  std::string token_;
  Timeouts timeouts_;
  TlsTrust tls_;
  std::unique_ptr<httplib::Client> http_;
};

// The one-line explanation of a failed exchange, with the fix. Public for the service check.
Error transport_error(const std::string& node_url, int httplib_error, const Timeouts& t);
Error answer_error(const std::string& node_url, const std::string& what, const HttpAnswer& answer);

// The service URL from a container as the node returned it: node + env MCM.BASE_API_PATH
// ("/<clientId>/<name>/v1"), else "/<clientId>" + the base path we asked for. Ends with "/".
std::string service_url(const std::string& node_url, const json& container, const std::string& requested_base_path);

// The service a container or image name stands for: "hello-v1" -> "hello" (names without a
// -vN version are their own).
std::string service_of(const std::string& name);

// The deployed container for a service `name` ("hello", "hello-v1" or the full id).
std::optional<json> find_by_name(const json& items, const std::string& name);

}  // namespace edge::mcm
