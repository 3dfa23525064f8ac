#pragma once
// A service's routes, tested in-process: compile the service's sources for the host together
// with a test, and ServiceHost plays the node for it. It sends each request as the node's event
// (the real exports, the real wire format), answers storage from a map the test can read and
// fill, answers outbound fetches from stubs the test gives, and gives the service the test's env
// and clock. `edge test` builds and runs such tests (tests/*_test.cpp, doctest); see docs/sdk.md.
//
//   TEST_CASE("greets by name") {
//     edge::testing::ServiceHost host;
//     host.env["GREETING"] = "Hi";
//     auto res = host.get("/?name=Ann");
//     CHECK(res.status == 200);
//     CHECK(res.json()["message"].as_string() == "Hi, Ann!");
//   }
//
// Like our node, storage answers at once and a fetch answers after the handler returns.
#include <edge/abi_names.hpp>
#include <edge/edge.hpp>
#include <edge/json.hpp>
#include <edge/testing/fake_host.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace edge::testing {

// An answer of the service, as a client would see it.
struct Reply {
  int status = 0;  // 0: the service sent no response
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  std::string header(std::string name) const {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The body as JSON; a body that is not JSON gives a null Json (check `status` and `body` first).
  Json json() const {
    auto parsed = Json::parse(body);
    return parsed ? *parsed : Json();
  }
};

// What an outbound fetch gets back: a response (any status), or a failure such as "connection
// refused" (FetchReply::failure), which the service sees as a failed Result.
struct FetchReply {
  FetchReply(int status_ = 200, std::string body_ = {}, std::map<std::string, std::string> headers_ = {})
      : status(status_), body(std::move(body_)), headers(std::move(headers_)) {}
  static FetchReply failure(std::string error) {
    FetchReply r(0);
    r.error = std::move(error);
    return r;
  }
  int status;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string error;  // set: the fetch failed
};

struct StoredItem {
  std::string value;
  std::string tag;
};

class ServiceHost {
 public:
  ServiceHost() {
    // The service's own setup (EDGE_SERVICE) runs on the first request, as on a node.
    edge::detail::runtime().setup_done = false;
    auto& t = abi::host_transport();
    t.api_request = [this](int32_t session, const void* data, size_t len) { on_call(session, data, len); };
    t.clock_ms = [this] { return now_ms; };
    t.random_bytes = [this](void* dst, size_t len) {
      auto* out = static_cast<unsigned char*>(dst);
      for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(next_random_++);
    };
  }
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // What the service reads with req.env() and req.info().
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> info{{"nodeId", "test-node"}};
  // The service's storage, by key (storage.each walks it in key order, as the node does).
  std::map<std::string, StoredItem> storage;
  // The clock edge::time reads (ms since the Unix epoch): 2026-01-01T00:00:00.000Z unless set.
  int64_t now_ms = 1767225600000;
  // Every outbound fetch the service made, in order.
  std::vector<http::FetchRequest> fetched;

  // Answers fetches of URLs that start with `url_prefix` (the longest matching prefix wins).
  // A fetch no stub matches fails with "no stub for URL", which the test sees in the answer.
  void on_fetch(std::string url_prefix, FetchReply reply) {
    stubs_[std::move(url_prefix)] = [reply = std::move(reply)](const http::FetchRequest&) { return reply; };
  }
  void on_fetch(std::string url_prefix, std::function<FetchReply(const http::FetchRequest&)> answer) {
    stubs_[std::move(url_prefix)] = std::move(answer);
  }

  // `target` is the path below the service's base path, with its query: "/items?tag=a".
  Reply get(std::string target, std::map<std::string, std::string> headers = {}) {
    return request("GET", std::move(target), {}, std::move(headers));
  }
  Reply del(std::string target, std::map<std::string, std::string> headers = {}) {
    return request("DELETE", std::move(target), {}, std::move(headers));
  }
  Reply post(std::string target, std::string body, std::map<std::string, std::string> headers = {}) {
    return request("POST", std::move(target), std::move(body), std::move(headers));
  }
  Reply put(std::string target, std::string body, std::map<std::string, std::string> headers = {}) {
    return request("PUT", std::move(target), std::move(body), std::move(headers));
  }
  Reply request(std::string method, std::string target, std::string body = {},
                std::map<std::string, std::string> headers = {}) {
    const size_t before = host_.sent.size();  // only this request's calls are looked at: no cost per earlier one
    host_.event(test::FakeHost::request(std::move(method), std::move(target), std::move(body), to_map(headers),
                                        to_map(env), to_map(info)));
    auto all = host_.responses(before);
    Reply out;
    if (all.empty()) return out;
    const auto& sent = all.back();
    out.status = sent.status;
    out.body = sent.body;
    if (sent.headers.is_map())
      for (const auto& [name, value] : sent.headers.as_map()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        out.headers[lower] = value.is_string() ? value.as_string() : std::string();
      }
    return out;
  }

  // Every host call the service made (method and params), for tests that look below the API.
  const std::vector<test::Sent>& calls() const { return host_.sent; }

 private:
  static Value to_map(const std::map<std::string, std::string>& m) {
    Value v = Value::map();
    for (const auto& [k, val] : m) v.set(k, val);
    return v;
  }
  static Value reply_headers(const std::map<std::string, std::string>& m) { return to_map(m); }

  void on_call(int32_t session, const void* data, size_t len) {
    // A copy: a reply delivered now may make the service call again, which grows `sent`.
    const test::Sent call = host_.record(session, data, len);
    const std::string method = call.method();
    const Value& params = call.params();
    auto text = [&](const char* key) { return params[key].is_string() ? params[key].as_string() : std::string(); };
    auto answer = [&](Value reply) {
      if (session != 0) host_.control_codes.push_back(host_.reply_now(session, reply));
    };

    if (method == abi::method::storage_get_item) {
      auto it = storage.find(text("key"));
      answer(it == storage.end() ? test::FakeHost::success("", 404) : test::FakeHost::success(it->second.value));
    } else if (method == abi::method::storage_set_item || method == abi::method::storage_set_item_with_tag) {
      storage[text("key")] =
          StoredItem{text("value"), method == abi::method::storage_set_item_with_tag ? text("tag") : ""};
      answer(test::FakeHost::success(""));
    } else if (method == abi::method::storage_remove_item) {
      storage.erase(text("key"));
      answer(test::FakeHost::success(""));
    } else if (method == abi::method::storage_remove_items_by_tag) {
      std::erase_if(storage, [&](const auto& kv) { return kv.second.tag == text("tag"); });
      answer(test::FakeHost::success(""));
    } else if (method == abi::method::storage_each_item) {
      if (session == 0) return;
      // One reply per item while the service answers 0 (go on), then the end (no headers).
      const std::string tag = text("tag");
      const auto snapshot = storage;  // the service may write while it walks
      for (const auto& [key, item] : snapshot) {
        if (!tag.empty() && item.tag != tag) continue;
        if (host_.reply_now(session, test::FakeHost::success(item.value, 200, Value::map({{key, item.value}}))) !=
            abi::code::each_continue)
          break;
      }
      answer(test::FakeHost::success(""));
    } else if (method == abi::method::httpclient_fetch) {
      http::FetchRequest req;
      req.url = text("url");
      req.method = text("method");
      req.body = text("data");
      if (params["headers"].is_map())
        for (const auto& [k, v] : params["headers"].as_map()) req.headers.add(k, v.is_string() ? v.as_string() : "");
      fetched.push_back(req);
      const std::function<FetchReply(const http::FetchRequest&)>* stub = nullptr;
      size_t longest = 0;
      for (const auto& [prefix, fn] : stubs_)
        if (req.url.rfind(prefix, 0) == 0 && prefix.size() >= longest) {
          stub = &fn;
          longest = prefix.size();
        }
      const FetchReply r =
          stub ? (*stub)(req) : FetchReply::failure("no stub for " + req.url + " (ServiceHost::on_fetch)");
      // Later, as on the node: after the handler returns.
      if (session != 0)
        host_.queue.push_back({session, r.error.empty()
                                            ? test::FakeHost::success(r.body, r.status, reply_headers(r.headers))
                                            : test::FakeHost::error(r.error)});
    } else if (method != abi::method::response_send && session != 0) {
      answer(test::FakeHost::error(method + " is not played by ServiceHost"));
    }
  }

  test::FakeHost host_;
  std::map<std::string, std::function<FetchReply(const http::FetchRequest&)>> stubs_;
  unsigned next_random_ = 1;
};

}  // namespace edge::testing
