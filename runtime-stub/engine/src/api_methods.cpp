// Guest -> host JSON-RPC methods (mk_module_api_request). What each does is listed in host.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <boost/algorithm/string/predicate.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "edge/abi_names.hpp"
#include "edge/msgpack_read.hpp"
#include "edge/node/host.hpp"
#include "http_fetch.hpp"
#include "edge/node/multipart.hpp"
#include "edge/core/json_text.hpp"

namespace edge::node {
namespace {

using json = nlohmann::json;

std::vector<uint8_t> rpc(int64_t id, std::string_view method, json params) {
  json j = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  return json::to_msgpack(j);
}

// JSON text of guest data; invalid UTF-8 from the guest is replaced, never thrown about.
std::string text_of(const json& j) { return edge::json_text(j); }

// A string field of an object, "" when absent or not a string (guests send every key, but be lenient).
std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return {};
  return text_of(*it);
}

void reply_if_wanted(HostContext& ctx, int64_t session, std::vector<uint8_t> message) {
  if (session != 0) ctx.reply(session, std::move(message));
}

// ---- response.send ----
// Its arguments, read either straight from the message (the common case) or from a JSON document.
struct SendArgs {
  std::string body;
  std::optional<int64_t> status_code;
  std::vector<std::pair<std::string, std::string>> headers;  // names as the guest wrote them
  std::string file_path, file_mime;
};

SendArgs send_args_of(const json& params) {
  SendArgs a;
  json body = params.is_array() && !params.empty() ? params[0] : params;
  a.body = body.is_string() ? body.get<std::string>() : (body.is_null() ? std::string() : text_of(body));
  if (params.is_array() && params.size() > 1 && params[1].is_object()) {
    const json& opt = params[1];
    if (auto it = opt.find("statusCode"); it != opt.end() && it->is_number_integer())
      a.status_code = it->get<int64_t>();
    if (auto it = opt.find("headers"); it != opt.end() && it->is_object())
      for (auto& [k, v] : it->items()) a.headers.emplace_back(k, v.is_string() ? v.get<std::string>() : text_of(v));
    a.file_path = str(opt, "filePath");
    a.file_mime = str(opt, "fileMimeType");
  }
  return a;
}

// The same, read in place: [body, {statusCode, headers, filePath, fileMimeType}] with strings
// where strings are due, each option once. Anything else (a body that is not text, a number as a
// header value, a key twice or one this reader does not know) returns nullopt and goes through
// send_args_of, which knows every shape: the two must never answer differently.
std::optional<SendArgs> send_args_in_place(std::string_view params) {
  using Kind = msgpack::Reader::Kind;
  msgpack::Reader r(params);
  SendArgs a;
  uint32_t n = 0;
  std::string_view text;
  if (!r.array_header(n) || n == 0 || n > 2 || r.peek() != Kind::String || !r.string(text)) return std::nullopt;
  a.body = text;
  uint32_t keys = 0;
  if (n == 2 && !r.map_header(keys)) return std::nullopt;
  bool seen_status = false, seen_headers = false, seen_path = false, seen_mime = false;
  for (uint32_t i = 0; i < keys; ++i) {
    std::string_view key;
    if (r.peek() != Kind::String || !r.string(key)) return std::nullopt;
    if (key == "statusCode" && !std::exchange(seen_status, true)) {
      int64_t code = 0;
      if (r.peek() != Kind::Int || !r.integer(code)) return std::nullopt;
      a.status_code = code;
    } else if (key == "headers" && !std::exchange(seen_headers, true)) {
      uint32_t count = 0;
      if (!r.map_header(count)) return std::nullopt;
      a.headers.reserve(count);
      for (uint32_t h = 0; h < count; ++h) {
        std::string_view name, value;
        if (r.peek() != Kind::String || !r.string(name) || r.peek() != Kind::String || !r.string(value))
          return std::nullopt;
        a.headers.emplace_back(name, value);
      }
      // As a JSON object has them: by name, the last of equal names kept (one pass: a guest's
      // million equal names must cost no more than sorting them).
      std::stable_sort(a.headers.begin(), a.headers.end(), [](auto& x, auto& y) { return x.first < y.first; });
      size_t kept = 0;
      for (size_t h = 0; h < a.headers.size(); ++h) {
        if (h + 1 < a.headers.size() && a.headers[h + 1].first == a.headers[h].first) continue;
        if (kept != h) a.headers[kept] = std::move(a.headers[h]);
        ++kept;
      }
      a.headers.resize(kept);
    } else if ((key == "filePath" && !std::exchange(seen_path, true)) ||
               (key == "fileMimeType" && !std::exchange(seen_mime, true))) {
      if (r.peek() == Kind::Nil) {
        r.skip();
        continue;
      }
      if (r.peek() != Kind::String || !r.string(text)) return std::nullopt;
      (key == "filePath" ? a.file_path : a.file_mime) = text;
    } else {
      return std::nullopt;
    }
  }
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return a;
}

void response_send(HostContext& ctx, SendArgs a) {
  if (ctx.responded()) {
    ctx.guest_output(ServiceLog::Stream::Node,
                     fmt::format("{} called again; the first response stands", abi::method::response_send));
    return;
  }
  HttpResponse r;
  r.body = std::move(a.body);
  if (a.status_code) r.status = (*a.status_code >= 100 && *a.status_code <= 599) ? int(*a.status_code) : 500;
  bool has_content_type = false;
  for (auto& [k, v] : a.headers) {
    std::string name = std::move(k);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (name == "content-type") has_content_type = true;
    r.headers.emplace_back(std::move(name), std::move(v));
  }
  if (!a.file_path.empty()) {
    int fd = open_guest_path(ctx, a.file_path, O_RDONLY, 0);
    if (fd < 0) {
      ctx.log_line(ServiceLog::Stream::Node, std::string(abi::method::response_send) + ": filePath " + a.file_path +
                                                 " cannot be opened: " + std::strerror(-fd) +
                                                 " (it must be inside a preopened directory)");
      r.status = 404;
      r.body = text_of(json{{"error", "file not found: " + a.file_path}});
      r.headers = {{"content-type", "application/json"}};
      ctx.respond(std::move(r));
      return;
    }
    std::string data;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
      data.append(buf, size_t(n));
      if (data.size() > ctx.limits().max_response_bytes) break;
    }
    ::close(fd);
    r.body = std::move(data);
    if (!a.file_mime.empty() && !has_content_type) r.headers.emplace_back("content-type", a.file_mime);
  }
  if (r.body.size() > ctx.limits().max_response_bytes)
    ctx.abort(ExecFailure::Kind::Trap, "response of " + std::to_string(r.body.size()) + " bytes exceeds the limit of " +
                                           std::to_string(ctx.limits().max_response_bytes));
  ctx.respond(std::move(r));
}

// The method and the params (their bytes) of a JSON-RPC message, read in place; nullopt when the
// message is anything but a map of the four envelope keys, each once, with a scalar jsonrpc and
// id (the JSON path then reads it, or explains why it cannot).
struct Call {
  std::string_view method, params;
};
std::optional<Call> call_in_place(std::string_view message) {
  using Kind = msgpack::Reader::Kind;
  msgpack::Reader r(message);
  Call c;
  uint32_t n = 0;
  bool seen_method = false, seen_params = false, seen_jsonrpc = false, seen_id = false;
  if (!r.map_header(n)) return std::nullopt;
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view key;
    if (r.peek() != Kind::String || !r.string(key)) return std::nullopt;
    const Kind value = r.peek();
    if (key == "method" && !std::exchange(seen_method, true) && value == Kind::String) r.string(c.method);
    else if (key == "params" && !std::exchange(seen_params, true)) r.raw(c.params);
    else if (((key == "jsonrpc" && !std::exchange(seen_jsonrpc, true)) ||
              (key == "id" && !std::exchange(seen_id, true))) &&
             value != Kind::Map && value != Kind::Array)
      r.skip();
    else return std::nullopt;
  }
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return c;
}

// ---- storage.* ----
// storage.each_item: item i, then i+1 while the guest answers 0, then the end-of-items reply.
// The items are read a page at a time, in key order: a walk holds one page, however large the
// store. The reply queue holds the only reference, so the walk ends with the request.
struct EachItem : std::enable_shared_from_this<EachItem> {
  static constexpr size_t kPage = 64;
  int64_t session = 0;
  std::string tag;
  std::vector<KeyValueStore::Item> page;
  size_t index = 0;
  std::optional<std::string> last_key;  // of the item given before
  bool last_page = false;

  void next(HostContext& ctx) {
    if (index >= page.size() && !last_page) {
      auto read = ctx.storage()->list(tag, last_key ? std::optional<std::string_view>(*last_key) : std::nullopt, kPage);
      if (!read) {
        ctx.reply(session, error_reply(session, read.error().message));
        return;
      }
      page = std::move(*read);
      index = 0;
      last_page = page.size() < kPage;
    }
    if (index >= page.size()) {
      ctx.reply(session, success_reply(session, 200, {}, ""));
      return;
    }
    const auto& item = page[index++];
    last_key = item.key;
    auto self = shared_from_this();
    ctx.reply(session, success_reply(session, 200, {{item.key, item.value}}, item.value),
              [self](HostContext& c, int32_t code) {
                if (code == abi::code::each_continue) self->next(c);
                else c.reply(self->session, success_reply(self->session, 200, {}, ""));
              });
  }
};

// The span of an outbound fetch, a child of the request's (from the traceparent the node gave the
// guest), sent along as the fetch's traceparent so the next node continues the trace. A guest
// that sets traceparent itself is taken at its word. None outside a request (`edge-node run`).
std::optional<TraceContext> fetch_span(const HostContext& ctx, FetchRequest& req) {
  if (!ctx.request()) return std::nullopt;
  const auto& in = ctx.request()->headers;
  auto tp = in.find("traceparent");
  auto request_span = tp == in.end() ? std::nullopt : TraceContext::parse(tp->second);
  if (!request_span) return std::nullopt;
  for (const auto& [name, value] : req.headers)
    if (boost::iequals(name, "traceparent")) return TraceContext::parse(value);
  TraceContext span = request_span->child();
  if (auto ts = in.find("tracestate"); ts != in.end()) req.headers["tracestate"] = ts->second;
  req.headers["traceparent"] = span.traceparent();
  return span;
}

void storage_call(HostContext& ctx, int64_t session, std::string_view method, const json& params) {
  if (ctx.observer()) ctx.observer()->storage_operation(method);
  if (!ctx.storage()) {
    reply_if_wanted(ctx, session, error_reply(session, "storage is not available for this service"));
    return;
  }
  std::string key = str(params, "key"), value = str(params, "value"), tag = str(params, "tag");
  auto fail = [&](const Error& e) { reply_if_wanted(ctx, session, error_reply(session, e.message)); };
  if (method == abi::method::storage_get_item) {
    auto r = ctx.storage()->get(key);
    if (!r) return fail(r.error());
    if (*r) reply_if_wanted(ctx, session, success_reply(session, 200, {}, **r));
    else reply_if_wanted(ctx, session, success_reply(session, 404, {}, ""));
  } else if (method == abi::method::storage_set_item || method == abi::method::storage_set_item_with_tag) {
    auto r = ctx.storage()->set(key, value, method == abi::method::storage_set_item_with_tag ? tag : std::string(),
                                {ctx.limits().max_storage_bytes, ctx.limits().max_storage_keys});
    if (!r) return fail(r.error());
    reply_if_wanted(ctx, session, success_reply(session, 200, {}, ""));
  } else if (method == abi::method::storage_remove_item) {
    auto r = ctx.storage()->remove(key);
    if (!r) return fail(r.error());
    reply_if_wanted(ctx, session, success_reply(session, 200, {}, ""));
  } else if (method == abi::method::storage_remove_items_by_tag) {
    auto r = ctx.storage()->remove_by_tag(tag);
    if (!r) return fail(r.error());
    reply_if_wanted(ctx, session, success_reply(session, 200, {}, ""));
  } else {  // storage.each_item
    if (session == 0) return;
    auto walk = std::make_shared<EachItem>();
    walk->session = session;
    walk->tag = tag;
    walk->next(ctx);
  }
}

// ---- request.handle_form_upload ----
struct FormUpload : std::enable_shared_from_this<FormUpload> {
  int64_t session = 0;
  std::vector<FormPart> parts;
  size_t index = 0;

  void next(HostContext& ctx) {
    if (index >= parts.size()) {
      ctx.reply_later(session, success_reply(session, 200, {}, ""));
      return;
    }
    const FormPart& part = parts[index];
    constexpr size_t kPathCapacity = 4096;
    int64_t path_ref = ctx.add_buffer({}, kPathCapacity);
    auto self = shared_from_this();
    ctx.reply_later(session,
                    success_reply(session, abi::code::form_field,
                                  {{"key", part.name},
                                   {"filename", part.filename},
                                   {"path_ref", std::to_string(path_ref)},
                                   {"path_len", std::to_string(kPathCapacity)}},
                                  ""),
                    [self, path_ref](HostContext& c, int32_t action) { self->on_found(c, action, path_ref); });
  }

  void on_found(HostContext& ctx, int32_t action, int64_t path_ref) {
    const FormPart& part = parts[index];
    ++index;
    auto self = shared_from_this();
    auto go_on = [self](HostContext& c, int32_t) { self->next(c); };
    switch (action) {
      case abi::code::form_get:  // hand the value to the guest
        ctx.reply_later(
            session,
            success_reply(session, abi::code::form_value, {{"key", part.name}, {"value", std::string(part.data)}}, ""),
            go_on);
        return;
      case abi::code::form_store: {  // write the part where the guest said
        const HostContext::Buffer* buffer = ctx.buffer(path_ref);
        std::string path = buffer ? buffer->bytes : std::string();
        path = path.substr(0, path.find('\0'));
        int fd = path.empty() ? -ENOENT : open_guest_path(ctx, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
          ctx.log_line(ServiceLog::Stream::Node, "form upload: cannot store '" + part.name + "' at '" + path +
                                                     "': " + std::strerror(-fd) +
                                                     " (the path must be inside a preopened directory)");
          ctx.reply_later(session, error_reply(session, "cannot store upload at '" + path + "': " + std::strerror(-fd)),
                          go_on);
          return;
        }
        size_t done = 0;
        while (done < part.data.size()) {
          ssize_t n = ::write(fd, part.data.data() + done, part.data.size() - done);
          if (n <= 0) break;
          done += size_t(n);
        }
        ::close(fd);
        ctx.reply_later(
            session,
            success_reply(session, abi::code::form_stored, {{"path", path}, {"file_size", std::to_string(done)}}, ""),
            go_on);
        return;
      }
      case abi::code::form_abort:
        ctx.reply_later(session, success_reply(session, abi::code::form_abort, {}, ""));
        return;
      default:  // form_skip and anything else
        next(ctx);
    }
  }
};

void form_upload(HostContext& ctx, int64_t session) {
  if (session == 0) return;
  std::string content_type;
  if (const HttpRequest* request = ctx.request())
    if (auto it = request->headers.find("content-type"); it != request->headers.end()) content_type = it->second;
  auto boundary = multipart_boundary(content_type);
  if (!boundary) {
    ctx.reply_later(session, error_reply(session, "the request is not multipart/form-data"));
    return;
  }
  auto parts = parse_multipart(ctx.request()->body, *boundary);
  if (!parts) {
    ctx.reply_later(session, error_reply(session, "malformed multipart/form-data body"));
    return;
  }
  auto state = std::make_shared<FormUpload>();
  state->session = session;
  state->parts = std::move(*parts);
  state->next(ctx);
}

}  // namespace

std::vector<uint8_t> success_reply(int64_t id, int status, const std::map<std::string, std::string>& headers,
                                   std::string_view data) {
  return rpc(id, abi::reply::success,
             {{"data", {{"status", status}, {"headers", json(headers)}, {"data", std::string(data)}}}});
}

std::vector<uint8_t> error_reply(int64_t id, std::string_view message) {
  return rpc(id, abi::reply::error, {{"error", {{"message", std::string(message)}}}});
}

void handle_api_request(HostContext& ctx, int32_t session, std::string_view message) {
  // response.send, once per request, is read in place; every other call as a JSON document.
  const auto call = call_in_place(message);
  if (call && call->method == abi::method::response_send)
    if (auto args = send_args_in_place(call->params)) return response_send(ctx, std::move(*args));
  // nlohmann's reader recurses without a limit: a guest's million nested arrays would take the
  // node's stack. A message call_in_place read whole is already known to nest within our reader's
  // depth limit; any other is walked to that limit first.
  if (!call && !msgpack::Reader(message).skip()) {
    ctx.log_line(
        ServiceLog::Stream::Node,
        "mk_module_api_request: the message is not a MessagePack object (or nests deeper than 64 levels); ignored");
    reply_if_wanted(ctx, session, error_reply(session, "the message is not MessagePack JSON-RPC"));
    return;
  }
  json msg = json::from_msgpack(message.begin(), message.end(), true, false);
  if (msg.is_discarded() || !msg.is_object()) {
    ctx.log_line(ServiceLog::Stream::Node, "mk_module_api_request: the message is not a MessagePack object; ignored");
    reply_if_wanted(ctx, session, error_reply(session, "the message is not MessagePack JSON-RPC"));
    return;
  }
  std::string method = str(msg, "method");
  json params = msg.contains("params") ? msg["params"] : json();
  if (method == abi::method::response_send) {
    response_send(ctx, send_args_of(params));
  } else if (method == abi::method::storage_get_item || method == abi::method::storage_set_item ||
             method == abi::method::storage_set_item_with_tag || method == abi::method::storage_remove_item ||
             method == abi::method::storage_each_item || method == abi::method::storage_remove_items_by_tag) {
    storage_call(ctx, session, method, params);
  } else if (method == abi::method::httpclient_fetch) {
    FetchRequest req{str(params, "url"), str(params, "method"), {}, str(params, "data")};
    if (params.is_object() && params.contains("headers") && params["headers"].is_object())
      for (auto& [k, v] : params["headers"].items()) req.headers[k] = v.is_string() ? v.get<std::string>() : text_of(v);
    // Bounded by the request's own deadline (none for `edge-node run`: a day, as time_left says).
    const auto deadline = ctx.deadline().value_or(std::chrono::steady_clock::now() + ctx.time_left());
    const std::optional<TraceContext> span = fetch_span(ctx, req);
    const auto started = std::chrono::system_clock::now();
    const auto clock = std::chrono::steady_clock::now();
    FetchOutcome r = http_fetch(req, deadline, ctx.limits().max_response_bytes);
    if (ctx.observer())
      ctx.observer()->fetched({req.method.empty() ? "GET" : req.method, req.url, r.response ? r.response->status : 0,
                               r.error, span ? &*span : nullptr, started, std::chrono::steady_clock::now() - clock});
    if (r.deadline_passed) ctx.abort(ExecFailure::Kind::Timeout, r.error);  // the request ends 504 now
    // Delivered after the handler returns, as on a real node, where a fetch is asynchronous.
    if (session != 0)
      ctx.reply_later(session, r.response
                                   ? success_reply(session, r.response->status, r.response->headers, r.response->body)
                                   : error_reply(session, r.error));
  } else if (method == abi::method::edge_request_bep) {
    // The BEP (the address a service is reached at from outside) of a node without mimik's
    // cloud relay is the node's own; the code must be one getEdgeHmacCode gave out.
    const std::string code = params.is_object() && params.contains("code") && params["code"].is_string()
                                 ? params["code"].get<std::string>()
                                 : "";
    if (!edge_hmac_code_valid(code))
      reply_if_wanted(
          ctx, session,
          error_reply(session, fmt::format("{}: the code is not one this node's {} (POST "
                                           "/jsonrpc/v1) gave out, or it expired",
                                           abi::method::edge_request_bep, abi::node_rpc::get_edge_hmac_code)));
    else reply_if_wanted(ctx, session, success_reply(session, 200, {}, ctx.node_url()));
  } else if (method == abi::method::edge_decrypt) {
    reply_if_wanted(ctx, session, error_reply(session, method + " is not supported on this node"));
  } else if (method == abi::method::request_handle_form_upload) {
    form_upload(ctx, session);
  } else if (method == abi::method::websocket_broker_publish) {
    std::string type =
        params.is_array() && !params.empty() && params[0].is_string() ? params[0].get<std::string>() : "";
    std::string text = params.is_array() && params.size() > 1
                           ? (params[1].is_string() ? params[1].get<std::string>() : text_of(params[1]))
                           : text_of(params);
    // Guest-sized text: counted against the per-request log budget like stdout.
    ctx.guest_output(ServiceLog::Stream::Node,
                     fmt::format("{} [{}] {}", abi::method::websocket_broker_publish, type, text));
    reply_if_wanted(ctx, session, success_reply(session, 200, {}, ""));
  } else {
    ctx.guest_output(ServiceLog::Stream::Node, "unknown host method '" + method.substr(0, 200) + "'");
    reply_if_wanted(ctx, session, error_reply(session, "unknown method '" + method + "'"));
  }
}

}  // namespace edge::node
