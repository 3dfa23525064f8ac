#pragma once
// Plays the edgeEngine host for host-compiled SDK tests: hands events to the module's
// exports exactly as a node would (buffer refs + mk_module_get_buffer), records every
// mk_module_api_request, and replies either synchronously (inside the call, like a host
// that answers at once) or later (queued, like our node).
#include <edge/abi_names.hpp>
#include <edge/edge.hpp>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace edge::test {

struct Sent {
  int32_t session;
  Value message;  // decoded JSON-RPC object
  const std::string& method() const { return message["method"].as_string(); }
  const Value& params() const { return message["params"]; }
};

// The response.send of a request, read back.
struct SentResponse {
  int status = 0;
  std::string body;
  Value headers;  // map, as sent in options.headers
  Value options;
};

class FakeHost {
 public:
  // Decides the reply to a call; return nil for "no reply now".
  using Responder = std::function<Value(const Sent&)>;
  enum class Mode { Later, Synchronous };

  FakeHost() {
    // Fresh SDK state per test: the SDK's globals are meant to live as long as an instance.
    edge::service() = edge::Service();
    edge::rpc::state() = edge::rpc::State();
    for (auto* ex : edge::detail::runtime().exchanges) delete ex;
    edge::detail::runtime() = edge::detail::Runtime();
    edge::detail::runtime().setup_done = true;  // no EDGE_SERVICE in tests
    auto& t = edge::abi::host_transport();
    t.api_request = [this](int32_t session, const void* data, size_t len) {
      const Sent s = record(session, data, len);
      if (session != 0 && responder) {
        Value reply = responder(s);
        if (!reply.is_nil()) {
          if (mode == Mode::Synchronous) control_codes.push_back(reply_now(session, reply));
          else queue.push_back({session, reply});
        }
      }
    };
    t.get_buffer = [this](void* dst, int64_t ref, size_t len) {
      const std::string& b = buffers.at(ref);
      std::memcpy(dst, b.data(), std::min(len, b.size()));
    };
    t.set_buffer = [this](int64_t ref, const void* src, size_t len) {
      written[ref] = std::string(static_cast<const char*>(src), len);
    };
  }
  ~FakeHost() { edge::abi::host_transport() = edge::abi::Transport(); }

  // Keeps a call the guest made (its bytes and its decoded message) in `raw` and `sent`.
  const Sent& record(int32_t session, const void* data, size_t len) {
    auto decoded = msgpack::decode(std::string_view(static_cast<const char*>(data), len));
    raw.emplace_back(static_cast<const char*>(data), len);
    sent.push_back(Sent{session, decoded ? *decoded : Value("<undecodable>")});
    return sent.back();
  }

  int64_t stash(std::string bytes) {
    int64_t ref = next_ref++;
    buffers[ref] = std::move(bytes);
    return ref;
  }

  // Delivers an event (params = {"context", "request"}), then, like our node, the queued
  // replies one by one until none is left.
  void event(const Value& params, std::string_view method = "onHttpRequest") {
    std::string bytes = msgpack::encode(rpc::message(1, method, params));
    int64_t ref = stash(bytes);
    mk_module_on_event(ref, static_cast<int32_t>(bytes.size()));
    buffers.erase(ref);  // read during the call; kept, a loop of requests would hold every event
    if (auto_pump) pump();
  }
  void pump() {
    while (!queue.empty()) {
      auto [session, reply] = queue.front();
      queue.pop_front();
      control_codes.push_back(reply_now(session, reply));
    }
  }
  int32_t reply_now(int32_t session, const Value& reply) {
    std::string bytes = msgpack::encode(reply);
    int64_t ref = stash(bytes);
    const int32_t control = mk_module_on_api_response(session, ref, static_cast<int32_t>(bytes.size()));
    buffers.erase(ref);
    return control;
  }

  std::vector<Sent> calls(std::string_view method) const {
    std::vector<Sent> out;
    for (const auto& s : sent)
      if (s.method() == method) out.push_back(s);
    return out;
  }
  // The responses sent, from the `first`-th call on (a test of many requests asks for the last ones).
  std::vector<SentResponse> responses(size_t first = 0) const {
    std::vector<SentResponse> out;
    for (size_t i = first; i < sent.size(); ++i) {
      const Sent& s = sent[i];
      if (s.method() != abi::method::response_send) continue;
      SentResponse r;
      r.body = s.params()[size_t{0}].as_string();
      r.options = s.params()[size_t{1}];
      r.status = static_cast<int>(r.options["statusCode"].as_int());
      r.headers = r.options["headers"];
      out.push_back(r);
    }
    return out;
  }

  // Reply builders, in the shapes of the compat reference.
  static Value success(std::string data, int status = 200, Value headers = Value::map()) {
    return rpc::message(
        0, abi::reply::success,
        Value::map(
            {{"data", Value::map({{"status", status}, {"headers", std::move(headers)}, {"data", std::move(data)}})}}));
  }
  static Value error_with_data(std::string message, std::string data, int status) {
    return rpc::message(
        0, abi::reply::error_with_data,
        Value::map({{"error", Value::map({{"message", std::move(message)}})},
                    {"data", Value::map({{"status", status}, {"headers", Value::map()}, {"data", std::move(data)}})}}));
  }
  static Value error(std::string message) {
    return rpc::message(0, abi::reply::error, Value::map({{"error", Value::map({{"message", std::move(message)}})}}));
  }

  // A complete event's params, every field present as the ABI says.
  static Value request(std::string method, std::string url, std::string body = {}, Value headers = Value::map(),
                       Value env = Value::map(), Value info = Value::map()) {
    return Value::map({{"context", Value::map({{"info", std::move(info)}, {"env", std::move(env)}})},
                       {"request", Value::map({{"url", std::move(url)},
                                               {"method", std::move(method)},
                                               {"headers", std::move(headers)},
                                               {"jsonBody", std::move(body)}})}});
  }

  Mode mode = Mode::Later;
  bool auto_pump = true;
  Responder responder;
  std::vector<Sent> sent;
  std::vector<std::string> raw;
  std::deque<std::pair<int32_t, Value>> queue;
  std::vector<int32_t> control_codes;
  std::map<int64_t, std::string> buffers;
  std::map<int64_t, std::string> written;  // by mk_module_set_buffer
  int64_t next_ref = 1000;
};

}  // namespace edge::test
