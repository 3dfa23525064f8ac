#pragma once
// Request and Response: what a route handler sees.
#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/abi_names.hpp"
#include "edge/http_types.hpp"
#include "edge/log.hpp"
#include "edge/rpc.hpp"
#include "edge/value.hpp"

namespace edge {

// The `context` of the event: the container env and the node info (string maps).
struct Context {
  Value env;   // e.g. env["MCM.BASE_API_PATH"]
  Value info;  // e.g. info["nodeId"], info["httpPort"]
};

class Request {
 public:
  const std::string& method() const { return method_; }
  // The URL as the host gave it: relative to the service's base path, with the query string.
  const std::string& url() const { return url_; }
  // The path part of url(), always starting with '/'. Not decoded (params are).
  const std::string& path() const { return path_; }
  const Query& query() const { return query_; }
  std::string query(std::string_view name, std::string_view fallback = {}) const { return query_.get(name, fallback); }
  const Headers& headers() const { return headers_; }
  std::string header(std::string_view name, std::string_view fallback = {}) const { return headers_.get(name, fallback); }
  const std::string& body() const { return body_; }
  // Path parameters of the matched route: ":id" -> param("id"), a trailing "*" -> param("*").
  std::string param(std::string_view name, std::string_view fallback = {}) const {
    for (const auto& [k, v] : params_)
      if (k == name) return v;
    return std::string(fallback);
  }
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }
  const Context& context() const { return context_; }
  std::string env(std::string_view key, std::string_view fallback = {}) const {
    const Value* v = context_.env.find(key);
    return v && v->is_string() ? v->as_string() : std::string(fallback);
  }
  std::string info(std::string_view key, std::string_view fallback = {}) const {
    const Value* v = context_.info.find(key);
    return v && v->is_string() ? v->as_string() : std::string(fallback);
  }

  // Builds a request from the event's params ({"context": ..., "request": ...}). Missing
  // fields read as empty, so a sparse host (or a test) still gets a usable request.
  static Request from_event(const Value& params) {
    Request r;
    const Value& req = params["request"];
    r.method_ = req["method"].as_string();
    for (auto& c : r.method_) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    r.set_url(req["url"].as_string());
    for (const auto& [k, v] : req["headers"].as_map())
      if (v.is_string()) r.headers_.add(ascii_lower(k), v.as_string());
    const Value& body = req["jsonBody"];
    if (body.is_string() || body.is_binary()) r.body_ = body.as_string();
    r.context_.env = params["context"]["env"];
    r.context_.info = params["context"]["info"];
    return r;
  }

  void set_url(std::string url) {
    url_ = std::move(url);
    size_t q = url_.find('?');
    path_ = url_.substr(0, q);
    if (path_.empty() || path_[0] != '/') path_.insert(0, "/");
    query_ = Query::parse(q == std::string::npos ? std::string_view{} : std::string_view(url_).substr(q + 1));
  }
  void set_params(std::vector<std::pair<std::string, std::string>> params) { params_ = std::move(params); }

 private:
  std::string method_, url_, path_, body_;
  Query query_;
  Headers headers_;
  std::vector<std::pair<std::string, std::string>> params_;
  Context context_;
};

class Response {
 public:
  Response& status(int code) {
    status_ = code;
    return *this;
  }
  int status() const { return status_; }
  // Sets (replaces) a response header. Travels as our extension key "headers" of
  // response.send's options; a real edgeEngine node ignores it.
  Response& header(std::string_view name, std::string_view value) {
    headers_.set(name, value);
    return *this;
  }
  const Headers& headers() const { return headers_; }
  Headers& headers() { return headers_; }
  bool sent() const { return sent_; }

  // Sends the response; only the first send of a request counts.
  void send(std::string_view body = {}) {
    if (sent_) {
      log::warn("edge: response already sent; a second send was ignored");
      return;
    }
    sent_ = true;
    Value options = Value::map({{"statusCode", static_cast<long long>(status_)}});
    if (!file_path_.empty()) {
      options.set("filePath", file_path_);
      if (!file_mime_.empty()) options.set("fileMimeType", file_mime_);
    }
    if (!headers_.empty()) {
      Value h = Value::map();
      for (const auto& [k, v] : headers_) {
        const Value* prev = h.find(k);
        h.set(k, prev ? prev->as_string() + ", " + v : v);
      }
      options.set("headers", std::move(h));
    }
    rpc::notify(abi::method::response_send, Value::array({Value(body), std::move(options)}));
  }
  void send(int code, std::string_view body) { status(code).send(body); }

  void text(std::string_view body) { text(status_, body); }
  void text(int code, std::string_view body) {
    if (!headers_.has("content-type")) header("content-type", "text/plain; charset=utf-8");
    send(code, body);
  }
  // Serialises a value with dump(): edge::Json (<edge/json.hpp>), or nlohmann::json.
  template <class J>
    requires requires(const J& j) { { j.dump() } -> std::convertible_to<std::string>; }
  void json(const J& value) { json_text(status_, value.dump()); }
  template <class J>
    requires requires(const J& j) { { j.dump() } -> std::convertible_to<std::string>; }
  void json(int code, const J& value) { json_text(code, value.dump()); }
  // Text is not a JSON value: it would be ambiguous (serialise it, or send it as is?).
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  void json(const S&) {
    static_assert(sizeof(S) == 0,
                  "res.json() serialises a value (edge::Json): for text that already is JSON use res.json_text(text), "
                  "for a JSON string use res.json(edge::Json(text))");
  }
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  void json(int, const S& text) { json(text); }
  // Sends text that already is JSON, as is, with content-type application/json.
  void json_text(std::string_view json_text) { this->json_text(status_, json_text); }
  void json_text(int code, std::string_view json_text) {
    if (!headers_.has("content-type")) header("content-type", "application/json");
    send(code, json_text);
  }

  // {"error": message} with the given status: the SDK's own errors look the same.
  void error(int code, std::string_view message) {
    std::string body = "{\"error\":\"";
    for (char c : message) {
      if (c == '"' || c == '\\') body.push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
      body.push_back(c);
    }
    body += "\"}";
    json_text(code, body);
  }

  // Asks the host to answer with a file it can read (response.send's filePath/fileMimeType).
  void send_file(std::string_view path, std::string_view mime_type = {}) {
    file_path_ = path;
    file_mime_ = mime_type;
    send();
  }

 private:
  int status_ = 200;
  Headers headers_;
  std::string file_path_, file_mime_;
  bool sent_ = false;
};

}  // namespace edge
