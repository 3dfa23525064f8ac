#pragma once
// Host services: storage, outbound HTTP, edge.*, form upload, websocket publish.
// Every call takes a callback that receives a Result (errors as values, no exceptions).
// Call them from a handler or from another callback; the SDK keeps the request open until
// every call has answered, and the response may be sent from any callback.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "edge/abi_names.hpp"
#include "edge/http_types.hpp"
#include "edge/result.hpp"
#include "edge/rpc.hpp"
#include "edge/value.hpp"

namespace edge {

namespace storage {

namespace detail {
inline Value item(std::string_view key, std::string_view value, std::string_view tag) {
  // mimik's host reads all three keys, so all three are always sent.
  return Value::map({{"key", key}, {"value", value}, {"tag", tag}});
}
template <class F>
void string_call(std::string_view method, Value params, F&& done) {
  rpc::call_once(method, std::move(params), [cb = std::forward<F>(done)](Result<HostReply> r) mutable {
    if (!r) cb(Result<std::string>::failure(r.error()));
    else if (!r->error.empty()) cb(Result<std::string>::failure(std::move(r->error)));
    else cb(Result<std::string>(std::move(r->data)));
  });
}
}  // namespace detail

using Callback = std::function<void(Result<std::string>)>;

// The stored value. A missing key is a failure "no such key": our node answers it with
// status 404, other hosts with an error; some may send an empty value, so check both.
inline void get(std::string_view key, Callback done) {
  rpc::call_once(abi::method::storage_get_item, detail::item(key, {}, {}), [cb = std::move(done)](Result<HostReply> r) {
    if (!r) return cb(Result<std::string>::failure(r.error()));
    if (!r->error.empty()) return cb(Result<std::string>::failure(std::move(r->error)));
    if (r->status == 404) return cb(Result<std::string>::failure("no such key"));
    cb(Result<std::string>(std::move(r->data)));
  });
}
inline void set(std::string_view key, std::string_view value, Callback done = [](Result<std::string>) {}) {
  detail::string_call(abi::method::storage_set_item, detail::item(key, value, {}), std::move(done));
}
inline void set_with_tag(
    std::string_view key, std::string_view value, std::string_view tag, Callback done = [](Result<std::string>) {}) {
  detail::string_call(abi::method::storage_set_item_with_tag, detail::item(key, value, tag), std::move(done));
}
inline void remove(std::string_view key, Callback done = [](Result<std::string>) {}) {
  detail::string_call(abi::method::storage_remove_item, detail::item(key, {}, {}), std::move(done));
}

// on_item(key, value) returns true to go on, false to stop. on_done runs once at the end
// (after the last item, a stop, or an error). An empty tag means every item.
// Wire: one reply per item, data.headers = {key: value}; a reply with no headers ends it.
// The guest answers each reply with 0 (continue) or 1 (stop).
using ItemCallback = std::function<bool(const std::string& key, const std::string& value)>;
inline void each(std::string_view tag, ItemCallback on_item, std::function<void(Status)> on_done = [](Status) {}) {
  rpc::call(abi::method::storage_each_item, Value::map({{"tag", tag}}),
            [on_item = std::move(on_item), on_done = std::move(on_done)](Result<HostReply> r) -> rpc::Step {
              if (!r || !r->error.empty()) {
                on_done(Status::failure(r ? r->error : r.error()));
                return {abi::code::each_stop, true};
              }
              if (r->headers.empty()) {
                on_done(Status());
                return {abi::code::each_continue, true};
              }
              const auto& [key, value] = *r->headers.begin();
              if (on_item(key, value)) return {abi::code::each_continue, false};
              on_done(Status());
              return {abi::code::each_stop, true};
            });
}
inline void each(ItemCallback on_item, std::function<void(Status)> on_done = [](Status) {}) {
  each({}, std::move(on_item), std::move(on_done));
}

}  // namespace storage

namespace http {

struct FetchRequest {
  std::string url;
  std::string method = "GET";
  Headers headers;
  std::string body;
  std::string mode;  // passed through to the host (mimik: e.g. "cors"); empty by default
};

struct FetchResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::string host_error;  // the host's message when it reported this response as an error
};

// Outbound HTTP through the host (httpclient.fetch). As with fetch() in a browser, any HTTP
// status is a response (check `status`); a failure means there was none (no connection, a bad
// URL, a timeout). Some hosts (mimik's) report an HTTP error status as an error with the
// response attached: that is a response here too, with their message in `host_error`.
inline void fetch(const FetchRequest& req, std::function<void(Result<FetchResponse>)> done) {
  Value headers = Value::map();
  for (const auto& [k, v] : req.headers) headers.set(k, v);
  Value params = Value::map({{"url", req.url},
                             {"method", req.method},
                             {"headers", std::move(headers)},
                             {"data", req.body},
                             {"mode", req.mode}});
  rpc::call_once(abi::method::httpclient_fetch, std::move(params), [done = std::move(done)](Result<HostReply> r) {
    if (!r) return done(Result<FetchResponse>::failure(r.error()));
    done(FetchResponse{r->status, std::move(r->headers), std::move(r->data), std::move(r->error)});
  });
}
inline void fetch(std::string_view url, std::function<void(Result<FetchResponse>)> done) {
  FetchRequest req;
  req.url = std::string(url);
  fetch(req, std::move(done));
}

}  // namespace http

namespace edge_api {

enum class Cluster { Local, Account, Proximity };

inline void decrypt(Cluster type, std::string_view data, std::string_view token,
                    std::function<void(Result<std::string>)> done) {
  const char* t = type == Cluster::Local ? "local" : type == Cluster::Account ? "account" : "proximity";
  storage::detail::string_call(abi::method::edge_decrypt, Value::map({{"type", t}, {"data", data}, {"token", token}}),
                               std::move(done));
}

// `code` is the edge HMAC code (mimik gets it from the node's /jsonrpc/v1 getEdgeHmacCode).
inline void request_bep(std::string_view code, std::function<void(Result<std::string>)> done) {
  storage::detail::string_call(abi::method::edge_request_bep, Value::map({{"code", code}}), std::move(done));
}

}  // namespace edge_api

namespace form {

enum class Action : int32_t {
  Skip = abi::code::form_skip,
  Get = abi::code::form_get,
  Store = abi::code::form_store,
  Abort = abi::code::form_abort
};

struct Handlers {
  // A field was found. Return Get to receive its value, Store to have the host write it to
  // `store_path` (set it), Skip or Abort.
  std::function<Action(const std::string& key, const std::string& filename, std::string& store_path)> on_field;
  std::function<void(const std::string& key, const std::string& value)> on_value;  // after Get
  std::function<void(const std::string& path, uint64_t size)> on_stored;           // after Store
  std::function<void(Status)> on_done;  // once: the end, an error, or after Abort
};

// request.handle_form_upload: replies with status 101 (field found), 102 (its value),
// 103 (file stored); any other reply ends the upload.
inline void handle_upload(Handlers h) {
  rpc::call(abi::method::request_handle_form_upload, Value(), [h = std::move(h)](Result<HostReply> r) -> rpc::Step {
    auto header = [&](std::string_view name) { return r->headers.get(name); };
    auto number = [&](std::string_view name) {
      uint64_t n = 0;
      for (char c : header(name))
        if (c >= '0' && c <= '9') n = n * 10 + static_cast<uint64_t>(c - '0');
      return n;
    };
    if (r && r->status == abi::code::form_field) {
      std::string path;
      Action a = h.on_field ? h.on_field(header("key"), header("filename"), path) : Action::Skip;
      if (a == Action::Store && !path.empty()) {
        // NUL-terminated when it fits: a host may read the buffer as a C string.
        uint64_t room = number("path_len");
        size_t len = room && room <= path.size() ? static_cast<size_t>(room) : path.size() + 1;
        abi::set_buffer(static_cast<int64_t>(number("path_ref")), path.c_str(), len);
      }
      if (a == Action::Abort && h.on_done) h.on_done(Status::failure("upload aborted by the service"));
      return {static_cast<int32_t>(a), a == Action::Abort};
    }
    if (r && r->status == abi::code::form_value) {
      if (h.on_value) h.on_value(header("key"), header("value"));
      return {0, false};
    }
    if (r && r->status == abi::code::form_stored) {
      if (h.on_stored) h.on_stored(header("path"), number("file_size"));
      return {0, false};
    }
    if (h.on_done) h.on_done(r ? Status() : Status::failure(r.error()));
    return {0, true};
  });
}

}  // namespace form

namespace websocket {

// websocket_broker.publish: no reply.
inline void publish(std::string_view type, std::string_view message) {
  rpc::notify(abi::method::websocket_broker_publish, Value::array({Value(type), Value(message)}));
}

}  // namespace websocket

}  // namespace edge
