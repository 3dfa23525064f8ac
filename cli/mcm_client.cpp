#include "mcm_client.hpp"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <utility>

#include "edge/core/http_status.hpp"
#include "edge/core/image.hpp"
#include "edge/core/tls_fingerprint.hpp"

namespace edge::mcm {
namespace {

constexpr const char* kApi = "/mcm/v1";

bool looks_like_json(const std::string& content_type, const std::string& body) {
  if (content_type.find("html") != std::string::npos) return false;
  json j = json::parse(body, nullptr, false);
  return !j.is_discarded() && (j.is_object() || j.is_array());
}

// The hint edge-node adds to its errors ({"error":{"message","hint"}}); empty for other nodes.
std::string node_hint(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return {};
  if (auto e = j.find("error"); e != j.end() && e->is_object())
    if (auto h = e->find("hint"); h != e->end() && h->is_string()) return h->get<std::string>();
  return {};
}

// The message a node puts in its JSON errors: {"error":{"message"}}, {"error":"..."} or {"message"}.
std::string node_message(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return {};
  if (auto e = j.find("error"); e != j.end()) {
    if (e->is_string()) return e->get<std::string>();
    if (e->is_object())
      if (auto m = e->find("message"); m != e->end() && m->is_string()) return m->get<std::string>();
  }
  if (auto m = j.find("message"); m != j.end() && m->is_string()) return m->get<std::string>();
  return {};
}

HttpAnswer to_answer(const httplib::Response& r, bool no_token = false) {
  return {r.status, r.body, r.get_header_value("Content-Type"), no_token};
}

std::string path_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// What the last pinned handshake on this thread saw, when it was not the pinned certificate:
// the handshake runs inside the request on the calling thread, and the error that follows it is
// explained on that thread (transport_message).
thread_local std::string unpinned_fingerprint;

// The whole verification of a pinned connection: the leaf certificate's SHA-256 is the pin, or
// the handshake fails. (Chain, dates and names are what a pin replaces.)
int verify_pinned(X509_STORE_CTX* store, void* arg) {
  const auto& expected = *static_cast<const Sha256*>(arg);
  Sha256 seen{};
  unsigned n = 0;
  X509* cert = X509_STORE_CTX_get0_cert(store);
  if (cert && X509_digest(cert, EVP_sha256(), seen.data(), &n) == 1 && n == seen.size() && seen == expected) {
    unpinned_fingerprint.clear();
    return 1;
  }
  unpinned_fingerprint = cert ? fingerprint_text(seen) : "none";
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

// The pin lives as long as the TLS context that checks it: freed with it.
int pin_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* pin, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<Sha256*>(pin); });
  return index;
}

}  // namespace

std::unique_ptr<httplib::Client> open_http_client(const std::string& url, const Timeouts& timeouts,
                                                  const TlsTrust& tls) {
  unpinned_fingerprint.clear();  // what an earlier client saw is not this one's story
  auto client = std::make_unique<httplib::Client>(url);
  client->set_connection_timeout(timeouts.connect_seconds, 0);
  client->set_read_timeout(timeouts.read_seconds, 0);
  client->set_write_timeout(timeouts.read_seconds, 0);
  SSL_CTX* ctx = url.starts_with("https://") ? client->ssl_context() : nullptr;
  if (!ctx) return client;
  if (auto pin = parse_fingerprint(tls.pin_sha256); pin && !tls.pin_sha256.empty()) {
    client->enable_server_certificate_verification(false);  // ours instead: the pin
    auto* expected = new Sha256(*pin);
    SSL_CTX_set_ex_data(ctx, pin_index(), expected);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_verify_callback(ctx, verify_pinned, expected);
  } else if (!tls.ca_file.empty()) {
    client->set_ca_cert_path(tls.ca_file);
  }
  return client;
}

Result<std::string> normalise_node_url(const std::string& raw) {
  std::string url = raw;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.find("://") == std::string::npos) url = "http://" + url;
  static const std::regex re(R"(^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$)");
  if (!std::regex_match(url, re))
    return make_error("`" + raw + "` is not a node address",
                      "give it as http://HOST:PORT, e.g. --node http://127.0.0.1:8083");
  return url;
}

namespace {
Error transport_message(const std::string& node_url, int code, const Timeouts& t) {
  switch (static_cast<httplib::Error>(code)) {
    case httplib::Error::Connection:
      return make_error("no node at " + node_url, "start one with `edge-node` or check --node");
    case httplib::Error::ConnectionTimeout:
      return make_error(node_url + " did not accept a connection within " + std::to_string(t.connect_seconds) + " s",
                        "check --node and that the device is reachable, or raise --connect-timeout");
    case httplib::Error::Read:
      return make_error(
          node_url + " stopped answering (no complete answer within " + std::to_string(t.read_seconds) + " s)",
          "check the node's log, or raise --timeout for slow devices");
    case httplib::Error::Write:
      return make_error(node_url + " closed the connection while we were sending",
                        "check the node's log; the image may be over its size limit");
    case httplib::Error::SSLConnection:
      if (const std::string seen = std::exchange(unpinned_fingerprint, {}); !seen.empty())
        return make_error(node_url + " showed a certificate with SHA-256 " + seen + ", not the one --pin-sha256 names",
                          "compare with what the node printed at start (TLS certificate ... SHA-256); another "
                          "certificate may mean another machine is answering");
      return make_error("TLS with " + node_url + " failed",
                        "check that the node was started with --tls-cert (else use http://), or the URL's port");
    case httplib::Error::SSLServerVerification:
      return make_error(node_url +
                            "'s certificate is not trusted here (not signed by a known CA, or not for this "
                            "host name)",
                        "give --ca FILE (the node's cert.pem or its CA), or --pin-sha256 with the fingerprint the "
                        "node printed at start");
    case httplib::Error::SSLLoadingCerts:
      return make_error("cannot load the CA certificates to check " + node_url,
                        "check --ca FILE: it must be a PEM certificate");
    default: return make_error("could not talk to " + node_url, "check --node and that the node is running");
  }
}

}  // namespace

namespace {
Error answer_message(const std::string& node_url, const std::string& what, const HttpAnswer& a);
}  // namespace

// The kind from the status (the node chose it from its own error's kind), the text per case.
Error answer_error(const std::string& node_url, const std::string& what, const HttpAnswer& a) {
  Error e = answer_message(node_url, what, a);
  e.kind = error_kind_of(a.status);
  return e;
}

Error transport_error(const std::string& node_url, int code, const Timeouts& t) {
  Error e = transport_message(node_url, code, t);
  e.kind = ErrorKind::Unavailable;
  return e;
}

namespace {

Error answer_message(const std::string& node_url, const std::string& what, const HttpAnswer& a) {
  const std::string which =
      "pass --token (or $EDGE_TOKEN), or a mim OE API key with --api-key-file (or $MCM_API_KEY); a local "
      "edge-node keeps both in ~/.edge-node (token, mimoe-api-key.env)";
  if ((a.status == 401 || a.status == 403) && a.no_token)
    return make_error(node_url + " needs a token and none was found (HTTP " + std::to_string(a.status) + ")", which);
  if (a.status == 401 || a.status == 403)
    return make_error("token rejected by " + node_url + " (HTTP " + std::to_string(a.status) + ")", which);
  if (!looks_like_json(a.content_type, a.body))
    return make_error(node_url + " did not answer like an edgeEngine node (HTTP " + std::to_string(a.status) +
                          (a.content_type.empty() ? "" : ", " + a.content_type) + ")",
                      "check --node: it must be a node's address, e.g. http://127.0.0.1:8083");
  std::string msg = node_message(a.body);
  std::string text =
      what + " failed on " + node_url + ": " +
      (msg.empty() ? "HTTP " + std::to_string(a.status) : msg + " (HTTP " + std::to_string(a.status) + ")");
  if (std::string hint = node_hint(a.body); !hint.empty()) return make_error(text, hint);
  if (a.status == 404) return make_error(text, "check the name with `edge ls`");
  if (a.status == 413) return make_error(text, "the image is over the node's size limit: make the module smaller");
  if (a.status >= 500) return make_error(text, "see the node's log (`edge logs NAME`, or the edge-node output)");
  return make_error(text, "fix what the node reports and run the command again");
}

}  // namespace

Client::Client(std::string node_url, std::string token, Timeouts timeouts, std::string client_id, TlsTrust tls)
    : url_(std::move(node_url)),
      token_(std::move(token)),
      timeouts_(timeouts),
      tls_(std::move(tls)),
      http_(open_http_client(url_, timeouts_, tls_)) {
  if (!client_id.empty()) http_->set_default_headers({{"x-client-id", client_id}});
  http_->set_keep_alive(false);
  if (!token_.empty()) http_->set_bearer_token_auth(token_.c_str());
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Result<json> Client::call(const std::string& method, const std::string& path, const json* body,
                          const std::string& what) {
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET") r = http_->Get(path.c_str());
  else if (method == "DELETE") r = http_->Delete(path.c_str());
  else r = http_->Post(path.c_str(), body ? body->dump() : std::string("{}"), "application/json");
  if (!r) return transport_error(url_, static_cast<int>(r.error()), timeouts_);
  HttpAnswer a = to_answer(*r, token_.empty());
  if (a.status < 200 || a.status >= 300) return answer_error(url_, what, a);
  if (method == "DELETE" && a.body.find_first_not_of(" \r\n\t") == std::string::npos) return json::object();
  if (!looks_like_json(a.content_type, a.body)) {
    a.status = a.status ? a.status : 200;
    return answer_error(url_, what, a);
  }
  return json::parse(a.body);
}

Result<json> Client::upload_image(std::span<const uint8_t> tar, const std::string& filename,
                                  const UploadProgress& progress) {
  // The multipart body by hand so the upload can report progress as it streams.
  const std::string boundary = "edge-image-" + sha256_hex(tar).substr(0, 24);
  const std::string head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" +
                           filename + "\"\r\nContent-Type: application/tar\r\n\r\n";
  const std::string tail = "\r\n--" + boundary + "--\r\n";
  const size_t total = head.size() + tar.size() + tail.size();
  auto provider = [&](size_t offset, size_t length, httplib::DataSink& sink) {
    constexpr size_t kChunk = 64 * 1024;
    size_t n = std::min(length, kChunk);
    std::string chunk;
    chunk.reserve(n);
    for (size_t i = offset; i < offset + n; ++i) {
      if (i < head.size()) chunk += head[i];
      else if (i < head.size() + tar.size()) chunk += static_cast<char>(tar[i - head.size()]);
      else chunk += tail[i - head.size() - tar.size()];
    }
    if (!sink.write(chunk.data(), chunk.size())) return false;
    if (progress) progress(offset + n, total);
    return true;
  };
  auto r = http_->Post((std::string(kApi) + "/images").c_str(), total, provider,
                       ("multipart/form-data; boundary=" + boundary).c_str());
  if (!r) return transport_error(url_, static_cast<int>(r.error()), timeouts_);
  HttpAnswer a = to_answer(*r, token_.empty());
  if (a.status < 200 || a.status >= 300 || !looks_like_json(a.content_type, a.body))
    return answer_error(url_, "image upload", a);
  return json::parse(a.body);
}

Result<json> Client::start_container(const json& body) {
  return call("POST", std::string(kApi) + "/containers", &body, "starting the service");
}

namespace {
Result<json> data_array(Result<json> r, const std::string& url, const std::string& what) {
  if (!r) return r;
  const json& j = *r;
  if (j.is_array()) return j;
  if (j.is_object())
    if (auto d = j.find("data"); d != j.end() && d->is_array()) return *d;
  return answer_error(url, what, {200, "not a list", "text/plain"});
}
}  // namespace

Result<json> Client::list_containers() {
  return data_array(call("GET", std::string(kApi) + "/containers", nullptr, "listing services"), url_,
                    "listing services");
}
Result<json> Client::list_images() {
  return data_array(call("GET", std::string(kApi) + "/images", nullptr, "listing images"), url_, "listing images");
}

Status Client::delete_container(const std::string& id) {
  auto r = call("DELETE", std::string(kApi) + "/containers/" + path_segment(id), nullptr, "removing the service");
  if (!r) return r.error();
  return ok();
}
Status Client::delete_image(const std::string& id) {
  auto r = call("DELETE", std::string(kApi) + "/images/" + path_segment(id), nullptr, "removing the image");
  if (!r) return r.error();
  return ok();
}

Status Client::logs(const std::string& id, bool follow, const std::function<bool(std::string_view)>& sink) {
  std::string path = std::string(kApi) + "/containers/" + path_segment(id) + "/logs" + (follow ? "?follow=1" : "");
  if (follow) http_->set_read_timeout(24 * 3600, 0);  // a quiet service is not a dead node
  HttpAnswer a;
  bool streaming = false;
  auto r = http_->Get(
      path.c_str(),
      [&](const httplib::Response& resp) {
        a = to_answer(resp, token_.empty());
        streaming = resp.status >= 200 && resp.status < 300;
        return true;
      },
      [&](const char* data, size_t n) {
        if (!streaming) {
          a.body.append(data, n);
          return true;
        }
        return sink(std::string_view(data, n));
      });
  http_->set_read_timeout(timeouts_.read_seconds, 0);
  if (!r) {
    if (r.error() == httplib::Error::Canceled) return ok();
    return transport_error(url_, static_cast<int>(r.error()), timeouts_);
  }
  if (!streaming) return answer_error(url_, "reading the log", a);
  return ok();
}

Result<std::string> Client::metrics() {
  auto r = http_->Get("/metrics");
  if (!r) return transport_error(url_, static_cast<int>(r.error()), timeouts_);
  HttpAnswer a = to_answer(*r, token_.empty());
  if (a.status == 404)
    return make_error(url_ + " has no /metrics", "it is not an edge-node, or it runs with --telemetry off");
  if (a.status < 200 || a.status >= 300) return answer_error(url_, "reading the metrics", a);
  return std::move(a.body);
}

Result<HttpAnswer> Client::get_public(const std::string& path) {
  auto c = open_http_client(url_, timeouts_, tls_);
  auto r = c->Get(path.c_str());
  if (!r) return transport_error(url_, static_cast<int>(r.error()), timeouts_);
  return to_answer(*r);
}

std::string service_url(const std::string& node_url, const json& container, const std::string& requested_base_path) {
  std::string base;
  if (container.is_object())
    if (auto env = container.find("env"); env != container.end() && env->is_object())
      if (auto p = env->find("MCM.BASE_API_PATH"); p != env->end() && p->is_string()) base = p->get<std::string>();
  if (base.empty() || base == requested_base_path) {
    // A node that did not rewrite the base path: services live under /<clientId>.
    std::string client_id = container.value("clientId", std::string());
    base = client_id.empty() ? requested_base_path : "/" + client_id + requested_base_path;
  }
  return node_url + base + "/";
}

std::string service_of(const std::string& name) {
  static const std::regex versioned("^(.*)-v[0-9]+$");
  std::smatch m;
  return std::regex_match(name, m, versioned) ? m[1].str() : name;
}

std::optional<json> find_by_name(const json& items, const std::string& name) {
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    std::string n = item.value("name", std::string());
    std::string id = item.value("id", std::string());
    if (n == name || id == name || service_of(n) == name) return item;
  }
  return std::nullopt;
}

}  // namespace edge::mcm
