#pragma once
// JSON-RPC 2.0 over MessagePack, and the bookkeeping of guest -> host calls.
//
// Each call that wants a reply gets a session id. The reply may arrive while the call is
// still inside mk_module_api_request (a host that answers at once: our node for storage and
// edge.*) or later through mk_module_on_api_response (fetches): the session is registered before
// the import is called, so both orders work.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/abi_names.hpp"
#include "edge/abi.hpp"
#include "edge/http_types.hpp"
#include "edge/log.hpp"
#include "edge/msgpack.hpp"
#include "edge/result.hpp"
#include "edge/text.hpp"
#include "edge/value.hpp"

namespace edge {

// What the host answers to a call: `params.data` of the reply message.
struct HostReply {
  int status = 0;
  Headers headers;
  std::string data;
  std::string error;  // set when the host answered with data and an error (oncallback.error_with_data)
};

namespace rpc {

inline Value message(int64_t id, std::string_view method, Value params) {
  return Value::map(
      {{"jsonrpc", "2.0"}, {"id", static_cast<long long>(id)}, {"method", method}, {"params", std::move(params)}});
}

// The bytes of message(id, method, ...) up to its params, which the caller appends: a message is
// written in one pass, without first building it as a Value (same bytes, tested).
inline void begin_message(std::string& out, int64_t id, std::string_view method) {
  msgpack::detail::put_map_header(out, 4);
  msgpack::detail::put_str(out, "jsonrpc");
  msgpack::detail::put_str(out, "2.0");
  msgpack::detail::put_str(out, "id");
  msgpack::detail::put_int(out, id);
  msgpack::detail::put_str(out, "method");
  msgpack::detail::put_str(out, method);
  msgpack::detail::put_str(out, "params");
}

// Reads a reply message: `oncallback.success` -> the data; `oncallback.error_with_data` -> the
// data with `error` set (the data is what a caller needs, e.g. the response of a fetch that got
// an HTTP error status); any other method -> a failure with params.error.message.
inline Result<HostReply> parse_reply(const Value& msg) {
  const Value& params = msg["params"];
  const std::string& method = msg["method"].as_string();
  HostReply reply;
  const Value& data = params["data"];
  if (data.is_map()) {
    reply.status = static_cast<int>(data["status"].as_int());
    for (const auto& [k, v] : data["headers"].as_map())
      if (v.is_string()) reply.headers.add(k, v.as_string());
      else if (v.is_int()) reply.headers.add(k, text::dec(v.as_int()));
    reply.data = data["data"].as_string();
  }
  if (method == abi::reply::success) return reply;
  std::string why = params["error"]["message"].as_string();
  if (why.empty()) why = method.empty() ? std::string("malformed reply from the host") : "host replied " + method;
  if (method == abi::reply::error_with_data) {
    reply.error = std::move(why);
    return reply;
  }
  return Result<HostReply>::failure(std::move(why));
}

// Something that waits for host replies (a request in flight); counts them so the SDK knows
// when a handler has nothing left to wait for.
struct Owner {
  int pending = 0;
  virtual ~Owner() = default;
};

// A reply handler returns the control code for the host and whether the session is over.
struct Step {
  int32_t control = 0;
  bool done = true;
};
using ReplyHandler = std::function<Step(Result<HostReply>)>;

struct Session {
  int32_t id;
  Owner* owner;
  ReplyHandler handler;
};

// Global state. A pointer, never constructed by a static constructor: a command module runs
// its constructors again before each export call, which would wipe state built in main().
struct State {
  int32_t next_id = 1;
  std::vector<Session> sessions;
  Owner* current = nullptr;  // whose code runs now: host calls made now belong to it
};
inline State& state() {
  static State* s = new State();
  return *s;
}

// Sends a message that wants no reply (session 0).
inline void notify(std::string_view method, const Value& params) {
  std::string bytes;
  begin_message(bytes, 0, method);
  msgpack::encode(params, bytes);
  abi::api_request(0, bytes.data(), bytes.size());
}

// Sends a call; `handler` runs for each reply until it returns done.
inline void call(std::string_view method, Value params, ReplyHandler handler) {
  State& st = state();
  int32_t id = st.next_id++;
  if (st.next_id <= 0) st.next_id = 1;
  Owner* owner = st.current;
  if (owner) ++owner->pending;
  st.sessions.push_back(Session{id, owner, std::move(handler)});
  std::string bytes;
  begin_message(bytes, id, method);
  msgpack::encode(params, bytes);
  abi::api_request(id, bytes.data(), bytes.size());  // may re-enter mk_module_on_api_response
}

// Delivers one reply. Returns the control code for the host.
inline int32_t deliver(int64_t session_id, std::string_view bytes) {
  State& st = state();
  size_t i = 0;
  while (i < st.sessions.size() && st.sessions[i].id != session_id) ++i;
  if (i == st.sessions.size()) {
    // E.g. the end-of-items reply after the guest stopped an each_item walk.
    log::debug("edge: reply for session ", session_id, " that is over; ignored");
    return 0;
  }
  auto decoded = msgpack::decode(bytes);
  Result<HostReply> reply =
      decoded ? parse_reply(*decoded) : Result<HostReply>::failure("cannot read the host's reply: " + decoded.error());
  Owner* owner = st.sessions[i].owner;
  // Run the handler on a copy: it may start calls that grow (and move) the session list.
  ReplyHandler handler = st.sessions[i].handler;
  Owner* saved = st.current;
  st.current = owner;
  Step step = handler(std::move(reply));
  st.current = saved;
  if (step.done || !decoded) {
    for (size_t j = 0; j < st.sessions.size(); ++j)
      if (st.sessions[j].id == session_id) {
        st.sessions.erase(st.sessions.begin() + static_cast<std::ptrdiff_t>(j));
        if (owner) --owner->pending;
        break;
      }
  }
  return step.control;
}

// Convenience for calls answered by one reply.
template <class F>
void call_once(std::string_view method, Value params, F&& on_reply) {
  call(method, std::move(params), [cb = std::forward<F>(on_reply)](Result<HostReply> r) mutable {
    cb(std::move(r));
    return Step{};
  });
}

}  // namespace rpc
}  // namespace edge
