// A guest that reproduces the wire behaviour of mimik's wasm-serverless-cpp-sdk v2.0.0 (our own
// code, written from reading its public source, not a copy), so the engine tests can show that
// modules built with mimik's SDK run on this node:
//   - a WASI *command*: main() calls __wasm_call_ctors() again (as that SDK does with clang > 12)
//     and registers the handler; the host runs _start (which also runs the global destructors),
//     then delivers the event to mk_module_on_event(int64 buf, uint32 len);
//   - strict decoding without exceptions: every field of the JSON-RPC envelope
//     (jsonrpc, id, method, params), of the event (context.info, context.env, request.url,
//     request.method, request.headers, request.jsonBody) and of every reply
//     (params.data.status, .headers, .data) is read with .at()/get<T>(), which aborts (traps)
//     when a key is missing or has the wrong type;
//   - response.send with params [body] or [body, {"statusCode": n}] and session id 0;
//   - storage.* params {key, value, tag}; callbacks kept in a map by session id, never erased.
#include <stdint.h>
#include <time.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using cppjson = nlohmann::json;

#define WASM_EXPORT __attribute__((used)) __attribute__((visibility("default")))
#define WASM_EXPORT_AS(NAME) WASM_EXPORT __attribute__((export_name(NAME)))
#define WASM_IMPORT(MODULE, NAME) __attribute__((import_module(MODULE))) __attribute__((import_name(NAME)))

WASM_IMPORT("env", "mk_module_api_request")
void mk_module_api_request(int32_t sessionId, uint32_t memAddr, uint32_t len);
WASM_IMPORT("env", "mk_module_get_buffer") void mk_module_get_buffer(int32_t memAddr, int64_t bufRef, int32_t len);
WASM_IMPORT("env", "mk_module_set_buffer") void mk_module_set_buffer(int64_t bufRef, int32_t memAddr, int32_t len);

extern "C" {
void WASM_EXPORT_AS("mk_module_on_event") mk_module_on_event(int64_t buf, uint32_t len);
int32_t WASM_EXPORT_AS("mk_module_on_api_response") mk_module_on_api_response(int64_t sid, int64_t buf, uint32_t len);
void WASM_EXPORT_AS("mk_module_abi_version_2_0_0") mk_module_abi_version_2_0_0();
extern void __wasm_call_ctors();
}

namespace model {
struct http_request {
  std::string url, method;
  std::map<std::string, std::string> headers;
  std::string jsonBody;
};
struct http_event_context {
  std::map<std::string, std::string> info, env;
};
struct http_event {
  http_event_context context;
  http_request request;
};
struct jsonrpc_function {
  std::string jsonrpc = "2.0";
  int id = 0;
  std::string method;
  cppjson params;
};
struct callback_result {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string data;
};
struct storage_item_option {
  std::string key, value, tag;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(http_request, url, method, headers, jsonBody)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(http_event_context, info, env)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(http_event, context, request)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(jsonrpc_function, jsonrpc, id, method, params)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(callback_result, status, headers, data)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(storage_item_option, key, value, tag)
}  // namespace model

using rpc_callback = std::function<int(const std::string&)>;
using result_callback = std::function<void(const std::string* error, const model::callback_result&)>;

static int64_t rpc_count = 0;
static std::map<int64_t, rpc_callback> rpc_callbacks;
static std::function<void(const model::http_event&)> global_handler;

static std::string extract(int64_t ref, uint32_t len) {
  std::string buf(len, '\0');
  mk_module_get_buffer(int32_t(uintptr_t(&buf[0])), ref, int32_t(len));
  return buf;
}

static std::vector<uint8_t> stringify(int32_t id, const std::string& method, const cppjson& params) {
  model::jsonrpc_function rpc;
  rpc.id = id;
  rpc.method = method;
  rpc.params = params;
  cppjson j = rpc;
  return cppjson::to_msgpack(j);
}

static void rpc_call(int32_t id, const std::vector<uint8_t>& msg) {
  mk_module_api_request(id, uint32_t(uintptr_t(&msg[0])), uint32_t(msg.size()));
}

static int64_t register_result_callback(result_callback cb) {
  rpc_count++;
  rpc_callbacks[rpc_count] = [cb](const std::string& bytes) {
    auto rpc = cppjson::from_msgpack(bytes).get<model::jsonrpc_function>();
    if (rpc.method == "oncallback.success") {
      model::callback_result res = rpc.params.at("data");
      cb(nullptr, res);
    } else if (rpc.method == "oncallback.error_with_data") {
      std::string message = rpc.params.at("error").at("message");
      model::callback_result res = rpc.params.at("data");
      cb(&message, res);
    } else {
      std::string message = rpc.params.at("error").at("message");
      cb(&message, {});
    }
    return 0;
  };
  return rpc_count;
}

static void send(const std::string& data) { rpc_call(0, stringify(0, "response.send", cppjson::array({data}))); }
static void send(const std::string& data, int status) {
  rpc_call(0, stringify(0, "response.send", cppjson::array({data, cppjson{{"statusCode", status}}})));
}

static void storage(const std::string& method, model::storage_item_option opt,
                    std::function<void(const std::string* error, const std::string& data)> cb) {
  int64_t id =
      register_result_callback([cb](const std::string* error, const model::callback_result& r) { cb(error, r.data); });
  rpc_call(int32_t(id), stringify(int32_t(id), method, cppjson(opt)));
}

static void handler(const model::http_event& evt) {
  const std::string& url = evt.request.url;
  if (url == "/time") {
    time_t now = time(0);
    cppjson doc;
    doc["current_time"] = ctime(&now);
    send(doc.dump());
  } else if (url.rfind("/echo", 0) == 0) {
    cppjson doc;
    doc["url"] = url;
    doc["method"] = evt.request.method;
    doc["headers"] = evt.request.headers;
    doc["body"] = evt.request.jsonBody;
    doc["info"] = evt.context.info;
    doc["env"] = evt.context.env;
    send(doc.dump(), 202);
  } else if (url == "/storage") {
    storage("storage.set_item", {"greeting", "hi from mimik's wire format"},
            [](const std::string* err, const std::string&) {
              if (err) return send(*err, 500);
              storage("storage.get_item", {"greeting"}, [](const std::string* err2, const std::string& data) {
                if (err2) return send(*err2, 500);
                send(data);
              });
            });
  } else if (url == "/walk") {
    // storage.each_item as mimik's SDK uses it: one callback for every item ({key: value} in
    // data.headers; 0 goes on), no end-of-walk callback, and the response right after the call
    // returns, which needs the host to deliver the items before mk_module_api_request returns.
    static std::vector<std::string> seen;
    seen.clear();
    for (const char* k : {"a", "b", "c"})
      storage("storage.set_item_with_tag", {k, std::string("value-") + k, "walk"},
              [](const std::string*, const std::string&) {});
    rpc_count++;
    const int64_t id = rpc_count;
    rpc_callbacks[id] = [](const std::string& bytes) {
      auto rpc = cppjson::from_msgpack(bytes).get<model::jsonrpc_function>();
      model::callback_result item = rpc.params.at("data");
      for (const auto& [k, v] : item.headers) seen.push_back(k + "=" + v);
      return 0;
    };
    rpc_call(int32_t(id), stringify(int32_t(id), "storage.each_item", {{"tag", "walk"}}));
    send(cppjson(seen).dump());
  } else if (url == "/decrypt") {
    int64_t id = register_result_callback([](const std::string* error, const model::callback_result&) {
      send(error ? *error : std::string("no error"), error ? 501 : 200);
    });
    rpc_call(int32_t(id), stringify(int32_t(id), "edge.decrypt", {{"type", "local"}, {"data", "x"}, {"token", "t"}}));
  } else {
    send("not found", 404);
  }
}

void mk_module_on_event(int64_t buf, uint32_t len) {
  auto rpc = cppjson::from_msgpack(extract(buf, len)).get<model::jsonrpc_function>();
  auto evt = rpc.params.get<model::http_event>();
  global_handler(evt);
}

int32_t mk_module_on_api_response(int64_t sid, int64_t buf, uint32_t len) {
  auto bytes = extract(buf, len);
  if (!sid) return 0;
  auto it = rpc_callbacks.find(sid);
  if (it == rpc_callbacks.end()) return 0;
  return it->second(bytes);
}

void mk_module_abi_version_2_0_0() {}

int main() {
  __wasm_call_ctors();
  global_handler = handler;
  return 0;
}
