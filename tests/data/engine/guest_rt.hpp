// A minimal guest-side ABI 2.0.0 runtime for the engine tests, written by hand on purpose so the
// tests do not depend on the SDK: MessagePack JSON-RPC via nlohmann::json, callbacks by session.
#pragma once
#include <stdint.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using json = nlohmann::json;

#define GUEST_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define GUEST_EXPORT(name) extern "C" __attribute__((export_name(#name)))

extern "C" {
GUEST_IMPORT(mk_module_api_request) void mk_module_api_request(int32_t session, int32_t ptr, int32_t len);
GUEST_IMPORT(mk_module_get_buffer) void mk_module_get_buffer(int32_t dst, int64_t ref, int32_t len);
GUEST_IMPORT(mk_module_set_buffer) void mk_module_set_buffer(int64_t ref, int32_t src, int32_t len);
}

namespace guest {

// Bytes as std::string: libc++ 19 has no char_traits<unsigned char>, which nlohmann's
// from_msgpack(std::vector<uint8_t>) needs.
inline std::string take(int64_t ref, int32_t len) {
  std::string b(size_t(len) + 1, '\0');
  mk_module_get_buffer(int32_t(uintptr_t(b.data())), ref, len);
  b.resize(size_t(len));
  return b;
}

inline void call(int32_t session, const std::string& method, const json& params) {
  auto m = json::to_msgpack(json{{"jsonrpc", "2.0"}, {"id", session}, {"method", method}, {"params", params}});
  mk_module_api_request(session, int32_t(uintptr_t(m.data())), int32_t(m.size()));
}

inline void send(const std::string& body, int status = 200, const json& headers = json::object()) {
  call(0, "response.send", json::array({body, {{"statusCode", status}, {"headers", headers}}}));
}

using Callback = std::function<int32_t(const json& reply)>;
inline std::map<int64_t, Callback>& callbacks() {
  static std::map<int64_t, Callback> c;
  return c;
}
inline int32_t request(const std::string& method, const json& params, Callback cb) {
  static int32_t next = 1;
  int32_t sid = next++;
  callbacks()[sid] = std::move(cb);
  call(sid, method, params);
  return sid;
}

inline int32_t dispatch_reply(int64_t sid, int64_t ref, int32_t len) {
  json reply = json::from_msgpack(take(ref, len));
  auto it = callbacks().find(sid);
  if (it == callbacks().end()) return 0;
  return it->second(reply);
}

// The "data" object of a success reply, or null.
inline json data_of(const json& reply) {
  if (reply.value("method", "") == "oncallback.success") return reply["params"]["data"];
  return nullptr;
}

}  // namespace guest
