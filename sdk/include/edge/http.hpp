#pragma once
// Request and Response: what a route handler sees.
#include <algorithm>
#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/abi_names.hpp"
#include "edge/http_types.hpp"
#include "edge/log.hpp"
#include "edge/msgpack_read.hpp"
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
  const Query& query() const {
    if (!query_parsed_) {
      size_t q = url_.find('?');
      query_ = Query::parse(q == std::string::npos ? std::string_view{} : std::string_view(url_).substr(q + 1));
      query_parsed_ = true;
    }
    return query_;
  }
  std::string query(std::string_view name, std::string_view fallback = {}) const { return query().get(name, fallback); }
  const Headers& headers() const {
    if (headers_at_.size) {
      walk_map(headers_at_, [&](std::string_view name, std::string_view value, bool text) {
        if (text) headers_.add(ascii_lower(name), value);
        return false;
      });
      headers_at_ = {};
    }
    return headers_;
  }
  std::string header(std::string_view name, std::string_view fallback = {}) const {
    return headers().get(name, fallback);
  }
  const std::string& body() const { return body_; }
  // Path parameters of the matched route: ":id" -> param("id"), a trailing "*" -> param("*").
  std::string param(std::string_view name, std::string_view fallback = {}) const {
    for (const auto& [k, v] : params_)
      if (k == name) return v;
    return std::string(fallback);
  }
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }
  const Context& context() const {
    for (auto [at, value] : {std::pair{&env_at_, &context_.env}, std::pair{&info_at_, &context_.info}}) {
      if (!at->size) continue;
      auto decoded = msgpack::decode(slice(*at));
      *value = decoded && decoded->is_map() ? *decoded : Value::map();
      *at = {};
    }
    return context_;
  }
  std::string env(std::string_view key, std::string_view fallback = {}) const {
    return context_entry(env_at_, context_.env, key, fallback);
  }
  std::string info(std::string_view key, std::string_view fallback = {}) const {
    return context_entry(info_at_, context_.info, key, fallback);
  }

  // Builds a request from the event's params ({"context": ..., "request": ...}). Missing
  // fields read as empty, so a sparse host (or a test) still gets a usable request.
  static Request from_event(const Value& params) {
    Request r;
    const Value& req = params["request"];
    r.set_method(req["method"].as_string());
    r.set_url(req["url"].as_string());
    for (const auto& [k, v] : req["headers"].as_map())
      if (v.is_string()) r.headers_.add(ascii_lower(k), v.as_string());
    const Value& body = req["jsonBody"];
    if (body.is_string() || body.is_binary()) r.body_ = body.as_string();
    r.context_.env = params["context"]["env"];
    r.context_.info = params["context"]["info"];
    return r;
  }

  // The same from the event's whole message, read in place: what every request pays for is the
  // method, the URL and the body; headers, the query and the context are read when first asked
  // for (env() and info() look a key up in the message without building the map). False when the
  // message is not a MessagePack map.
  static bool from_message(std::string message, Request& out) {
    Request r;
    r.message_ = std::move(message);
    msgpack::Reader m(r.message_);
    uint32_t n = 0;
    if (!m.map_header(n)) return false;
    for (uint32_t i = 0; i < n && m.ok(); ++i) {
      std::string_view key;
      m.string(key);
      if (key == "params" && m.peek() == msgpack::Reader::Kind::Map) r.read_params(m);
      else m.skip();
    }
    if (!m.ok() || !m.at_end()) return false;
    if (r.path_.empty()) r.set_url(std::string());  // no URL given: "/"
    out = std::move(r);
    return true;
  }

  void set_url(std::string url) {
    url_ = std::move(url);
    path_ = url_.substr(0, url_.find('?'));
    if (path_.empty() || path_[0] != '/') path_.insert(0, "/");
    query_ = Query();
    query_parsed_ = false;
  }
  void set_params(std::vector<std::pair<std::string, std::string>> params) { params_ = std::move(params); }

 private:
  // Where a part not read yet lies in message_ (offsets, not views: a Request may be copied).
  struct Span {
    uint32_t offset = 0, size = 0;
  };
  std::string_view slice(Span s) const { return std::string_view(message_).substr(s.offset, s.size); }
  Span span_of(std::string_view part) const {
    return Span{static_cast<uint32_t>(part.data() - message_.data()), static_cast<uint32_t>(part.size())};
  }

  void set_method(std::string_view method) {
    method_ = method;
    for (auto& c : method_) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }

  // params: {"context": {"env", "info"}, "request": {"method", "url", "headers", "jsonBody"}}
  void read_params(msgpack::Reader& m) {
    uint32_t n = 0;
    m.map_header(n);
    for (uint32_t i = 0; i < n && m.ok(); ++i) {
      std::string_view key, text;
      uint32_t fields = 0;
      m.string(key);
      const bool is_map = m.peek() == msgpack::Reader::Kind::Map;
      if (key != "request" && key != "context") {
        m.skip();
        continue;
      }
      if (!is_map) {  // as a map lookup of the wrong type reads empty
        m.skip();
        continue;
      }
      m.map_header(fields);
      for (uint32_t f = 0; f < fields && m.ok(); ++f) {
        std::string_view field;
        m.string(field);
        const auto kind = m.peek();
        const bool text_value = kind == msgpack::Reader::Kind::String || kind == msgpack::Reader::Kind::Binary;
        if (key == "context" && (field == "env" || field == "info") && kind == msgpack::Reader::Kind::Map) {
          m.raw(text);
          (field == "env" ? env_at_ : info_at_) = span_of(text);
        } else if (key == "request" && field == "headers" && kind == msgpack::Reader::Kind::Map) {
          m.raw(text);
          headers_at_ = span_of(text);
        } else if (key == "request" && text_value && (field == "method" || field == "url" || field == "jsonBody")) {
          m.string(text);
          if (field == "method") set_method(text);
          else if (field == "url") set_url(std::string(text));
          else body_ = text;
        } else {
          m.skip();
        }
      }
    }
  }

  std::string context_entry(Span at, const Value& map, std::string_view key, std::string_view fallback) const {
    if (!at.size) {
      const Value* v = map.find(key);
      return v && v->is_string() ? v->as_string() : std::string(fallback);
    }
    std::string found(fallback);  // the first entry of that name counts, as Value::find has it
    walk_map(at, [&](std::string_view name, std::string_view value, bool text) {
      if (name != key) return false;
      if (text) found = value;
      return true;
    });
    return found;
  }

  // Calls visit(name, value, text) for each entry of the string-keyed map at `at` (value is empty
  // unless text: a string) until visit returns true.
  template <class Visit>
  void walk_map(Span at, Visit&& visit) const {
    msgpack::Reader r(slice(at));
    uint32_t n = 0;
    r.map_header(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      std::string_view name, value;
      r.string(name);
      const bool text = r.peek() == msgpack::Reader::Kind::String && r.string(value);
      if (!text) r.skip();
      if (visit(name, value, text)) return;
    }
  }

  std::string method_, url_, path_, body_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::string message_;  // the event, when the request was read from it (from_message)
  mutable Span headers_at_, env_at_, info_at_;
  mutable Query query_;
  mutable bool query_parsed_ = false;
  mutable Headers headers_;
  mutable Context context_;
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
    // [body, {statusCode, filePath?, fileMimeType?, headers?}], written in one pass.
    namespace mp = msgpack::detail;
    std::string message;
    message.reserve(64 + body.size());
    rpc::begin_message(message, 0, abi::method::response_send);
    mp::put_array_header(message, 2);
    mp::put_str(message, body);
    const bool file = !file_path_.empty(), mime = file && !file_mime_.empty();
    mp::put_map_header(message, 1 + size_t(file) + size_t(mime) + size_t(!headers_.empty()));
    mp::put_str(message, "statusCode");
    mp::put_int(message, status_);
    if (file) {
      mp::put_str(message, "filePath");
      mp::put_str(message, file_path_);
    }
    if (mime) {
      mp::put_str(message, "fileMimeType");
      mp::put_str(message, file_mime_);
    }
    if (!headers_.empty()) {
      // One entry per name (the first spelling), repeated names' values joined with ", ".
      std::vector<std::pair<std::string_view, std::string>> merged;
      for (const auto& [k, v] : headers_) {
        auto same = std::find_if(merged.begin(), merged.end(), [&](const auto& m) { return m.first == k; });
        if (same == merged.end()) merged.emplace_back(k, v);
        else same->second.append(", ").append(v);
      }
      mp::put_str(message, "headers");
      mp::put_map_header(message, merged.size());
      for (const auto& [k, v] : merged) {
        mp::put_str(message, k);
        mp::put_str(message, v);
      }
    }
    abi::api_request(0, message.data(), message.size());
  }
  void send(int code, std::string_view body) { status(code).send(body); }

  void text(std::string_view body) { text(status_, body); }
  void text(int code, std::string_view body) {
    if (!headers_.has("content-type")) header("content-type", "text/plain; charset=utf-8");
    send(code, body);
  }
  // Serialises a value with dump(): edge::Json (<edge/json.hpp>), or nlohmann::json.
  template <class J>
    requires requires(const J& j) {
      { j.dump() } -> std::convertible_to<std::string>;
    }
  void json(const J& value) {
    json_text(status_, value.dump());
  }
  template <class J>
    requires requires(const J& j) {
      { j.dump() } -> std::convertible_to<std::string>;
    }
  void json(int code, const J& value) {
    json_text(code, value.dump());
  }
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
  void json(int, const S& text) {
    json(text);
  }
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
