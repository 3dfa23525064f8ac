// A reactor test guest: each URL exercises one part of the host (tests/engine/engine_test.cpp).
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest_rt.hpp"

static json g_event;
static volatile int g_zero = 0;
static volatile int g_sink = 0;

// Real recursion: a volatile frame array and an indirect call keep the compiler from turning it into a loop.
static int (*volatile g_recurse)(int);
static int recurse(int n) {
  volatile char frame[64];
  frame[n & 63] = char(n);
  return n == -1 ? 0 : g_recurse(n + 1) + frame[(n + 1) & 63];
}

static std::string query(const std::string& url, const std::string& key) {
  auto q = url.find('?');
  if (q == std::string::npos) return {};
  std::string rest = url.substr(q + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    auto amp = rest.find('&', pos);
    std::string kv = rest.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == key) return eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return {};
}

// query() percent-decoded: what a guest that trusts its input would hand the node.
static std::string decoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += char(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

static void read_file(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (!f) {
    guest::send(json{{"errno", errno}, {"error", strerror(errno)}}.dump(), 403);
    return;
  }
  std::string data;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  fclose(f);
  guest::send(data, 200);
}

GUEST_EXPORT(mk_module_abi_version_2_0_0) void abi_version() {}

GUEST_EXPORT(mk_module_on_api_response) int32_t on_api_response(int64_t sid, int64_t ref, int32_t len) {
  return guest::dispatch_reply(sid, ref, len);
}

GUEST_EXPORT(mk_module_on_event) void on_event(int64_t ref, int32_t len) {
  g_event = json::from_msgpack(guest::take(ref, len));
  const json& req = g_event["params"]["request"];
  std::string url = req["url"].get<std::string>();
  std::string path = url.substr(0, url.find('?'));

  if (path == "/hello") {
    printf("hello from the guest\n");
    fflush(stdout);
    guest::send("{\"hello\":\"world\"}", 201, {{"content-type", "application/json"}, {"x-probe", "yes"}});
  } else if (path == "/event") {
    guest::send(g_event.dump(), 200, {{"content-type", "application/json"}});
  } else if (path == "/storage") {
    // set -> get -> remove -> get: the body reports what each step saw.
    guest::request("storage.set_item", {{"key", "k1"}, {"value", "v1"}, {"tag", ""}}, [](const json& r1) {
      std::string s1 = guest::data_of(r1).is_null() ? "error" : "ok";
      guest::request("storage.get_item", {{"key", "k1"}, {"value", ""}, {"tag", ""}}, [s1](const json& r2) {
        std::string got = guest::data_of(r2)["data"].get<std::string>();
        guest::request("storage.remove_item", {{"key", "k1"}, {"value", ""}, {"tag", ""}}, [s1, got](const json&) {
          guest::request("storage.get_item", {{"key", "k1"}, {"value", ""}, {"tag", ""}}, [s1, got](const json& r4) {
            int status_after = guest::data_of(r4)["status"].get<int>();
            guest::send(json{{"set", s1}, {"got", got}, {"status_after_remove", status_after}}.dump());
            return 0;
          });
          return 0;
        });
        return 0;
      });
      return 0;
    });
  } else if (path == "/each") {
    // Three tagged items; stop after the second.
    static std::vector<std::string> seen;
    static int ends = 0;
    for (const char* k : {"a", "b", "c"})
      guest::request("storage.set_item_with_tag", {{"key", k}, {"value", std::string("v") + k}, {"tag", "t"}},
                     [](const json&) { return 0; });
    guest::request("storage.set_item", {{"key", "z"}, {"value", "untagged"}, {"tag", ""}}, [](const json&) {
      guest::request("storage.each_item", {{"tag", "t"}}, [](const json& r) {
        json d = guest::data_of(r);
        if (d["headers"].empty()) {
          ++ends;
          guest::send(json{{"seen", seen}, {"ends", ends}}.dump());
          return 0;
        }
        seen.push_back(d["headers"].begin().key() + "=" + d["headers"].begin().value().get<std::string>());
        return seen.size() >= 2 ? 1 : 0;
      });
      return 0;
    });
  } else if (path == "/spam") {
    std::string line(1000, 'x');
    for (int i = 0; i < 200; ++i) printf("%s\n", line.c_str());
    fflush(stdout);
    guest::call(0, "websocket_broker.publish", json::array({"news", "after the spam"}));
    guest::send("spammed");
  } else if (path == "/publish") {
    guest::call(0, "websocket_broker.publish", json::array({"news", "hello subscribers"}));
    guest::send("published");
  } else if (path == "/send-then-trap") {
    guest::send("sent first", 200);
    __builtin_trap();
  } else if (path == "/trap/unreachable") {
    __builtin_trap();
  } else if (path == "/trap/div0") {
    g_sink = 10 / g_zero;
    guest::send("not reached");
  } else if (path == "/trap/oob") {
    volatile int* p = (volatile int*)(uintptr_t)0xFFFFFFF0u;
    g_sink = *p;
    guest::send("not reached");
  } else if (path == "/trap/badptr") {
    mk_module_api_request(0, int32_t(0x7FFFFFF0), 1000);  // a range outside memory: the host traps
  } else if (path == "/recurse") {
    g_recurse = recurse;
    g_sink = recurse(g_zero);
    guest::send("not reached");
  } else if (path == "/nested-trap" || path == "/nested-loop") {
    // The node delivers a storage reply inside mk_module_api_request: a trap or an endless loop
    // in that callback must end the request like one in the handler itself.
    const bool loop = path == "/nested-loop";
    guest::request("storage.get_item", {{"key", "k"}, {"value", ""}, {"tag", ""}}, [loop](const json&) {
      if (loop)
        for (;;) g_sink = g_sink + 1;
      __builtin_trap();
      return 0;
    });
    guest::send("not reached");
  } else if (path == "/loop") {
    for (;;) g_sink = g_sink + 1;
  } else if (path == "/oom") {
    std::vector<void*> blocks;
    for (;;) {
      void* p = malloc(1 << 20);
      if (!p) break;
      memset(p, 1, 1 << 20);
      blocks.push_back(p);
    }
    abort();  // as C++ code does when allocation fails
  } else if (path == "/noresponse") {
    // returns without response.send
  } else if (path == "/flood") {
    for (;;) guest::call(0, "websocket_broker.publish", json::array({"t", "m"}));
  } else if (path == "/exit") {
    exit(3);
  } else if (path == "/read") {
    read_file(query(url, "path"));
  } else if (path == "/openmany") {
    // Opens the file until an open fails, closing none: how many it got, and the errno that ended it.
    std::string target = query(url, "path");
    int opened = 0;
    int err = 0;
    for (int i = 0; i < 100000; ++i) {
      FILE* f = fopen(target.c_str(), "r");
      if (!f) {
        err = errno;
        break;
      }
      ++opened;
    }
    // hold_ms: keep them that long (a busy wait: the node's WASI has no sleep yet), so that
    // requests running at once hold their files at once.
    long hold_ms = atol(query(url, "hold_ms").c_str());
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
      for (int spin = 0; spin < 100000; ++spin) g_sink = g_sink + 1;  // few clock calls: they count as host calls
      clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 < hold_ms);
    guest::send(json{{"opened", opened}, {"errno", err}, {"error", err ? strerror(err) : ""}}.dump());
  } else if (path == "/openat") {
    // Relative to the first preopen (fd 3) with the raw WASI call, bypassing libc's path handling.
    std::string rel = query(url, "path");
    __wasi_fd_t fd = 0;
    __wasi_errno_t e =
        __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, rel.c_str(), 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    guest::send(json{{"errno", e}}.dump(), e == 0 ? 200 : 403);
  } else if (path == "/ls") {
    DIR* d = opendir(query(url, "path").c_str());
    if (!d) {
      guest::send(strerror(errno), 403);
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* e = readdir(d)) names.push_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    struct stat st;
    int r = stat((query(url, "path") + "/inside.txt").c_str(), &st);
    guest::send(json{{"names", names}, {"inside_size", r == 0 ? (long long)st.st_size : -1}}.dump());
  } else if (path == "/nosys") {
    __wasi_errno_t e = __wasi_path_create_directory(3, "newdir");
    __wasi_errno_t e2 = __wasi_sched_yield();
    guest::send(json{{"path_create_directory", e}, {"sched_yield", e2}}.dump());
  } else if (path == "/env") {
    const char* v = getenv("GREETING");
    guest::send(v ? v : "(unset)");
  } else if (path == "/decrypt") {
    guest::request("edge.decrypt", {{"type", "local"}, {"data", "x"}, {"token", "t"}}, [](const json& r) {
      guest::send(r.dump());
      return 0;
    });
  } else if (path == "/bep") {
    // edge.request_bep as mimik's C++ SDK v2.0.x does it: a getEdgeHmacCode from the node's
    // /jsonrpc/v1 first, then request_bep with that code.
    std::string port = g_event["params"]["context"]["info"]["httpPort"].get<std::string>();
    json rpc = {{"id", 1},
                {"jsonrpc", "2.0"},
                {"method", "getEdgeHmacCode"},
                {"params",
                 json::array({"an-access-token", std::to_string(time(nullptr) + 600), "node", "jsapi://requestBep"})}};
    std::string code_override = query(url, "code");
    guest::request("httpclient.fetch",
                   {{"url", "http://localhost:" + port + "/jsonrpc/v1"},
                    {"method", "POST"},
                    {"headers", {{"content-type", "application/json"}}},
                    {"data", rpc.dump()},
                    {"mode", ""}},
                   [code_override](const json& r) {
                     json fetched = guest::data_of(r);
                     if (fetched.is_null()) {
                       guest::send("fetch failed: " + r.dump(), 502);
                       return 0;
                     }
                     json answer = json::parse(fetched["data"].get<std::string>(), nullptr, false);
                     if (answer.is_discarded() || !answer.contains("result")) {
                       guest::send("no result: " + r.dump(), 502);
                       return 0;
                     }
                     std::string code =
                         code_override.empty() ? answer["result"]["edgeHmacCode"].get<std::string>() : code_override;
                     guest::request("edge.request_bep", {{"code", code}}, [](const json& bep) {
                       guest::send(bep.dump());
                       return 0;
                     });
                     return 0;
                   });
  } else if (path == "/answer") {
    // An answer shaped by the caller: status and one header (issue 23's response splitting).
    guest::send("answered", std::atoi(query(url, "status").c_str()),
                {{decoded(query(url, "name")), decoded(query(url, "value"))}});
  } else if (path == "/fetch-with") {
    // A fetch with a URL and one header as the caller says, decoded (a proxy that trusts its input).
    guest::request("httpclient.fetch",
                   {{"url", decoded(query(url, "url"))},
                    {"method", "GET"},
                    {"headers", {{decoded(query(url, "name")), decoded(query(url, "value"))}}},
                    {"data", ""},
                    {"mode", ""}},
                   [](const json& r) {
                     guest::send(r.dump());
                     return 0;
                   });
  } else if (path == "/fetch") {
    guest::request(
        "httpclient.fetch",
        {{"url", query(url, "url")}, {"method", "GET"}, {"headers", json::object()}, {"data", ""}, {"mode", ""}},
        [](const json& r) {
          guest::send(r.dump());
          return 0;
        });
  } else if (path == "/upload") {
    static json log = json::array();
    guest::request("request.handle_form_upload", nullptr, [](const json& r) -> int32_t {
      json d = guest::data_of(r);
      if (d.is_null()) {
        log.push_back({{"error", r["params"]["error"]["message"]}});
        return 0;
      }
      int status = d["status"].get<int>();
      const json& h = d["headers"];
      if (status == 101) {
        std::string key = h["key"].get<std::string>();
        log.push_back({{"found", key}, {"filename", h["filename"]}});
        if (key == "skipme") return 100;
        if (h["filename"].get<std::string>().empty()) return 101;
        std::string dest = "/up/" + h["filename"].get<std::string>();
        int64_t ref = std::stoll(h["path_ref"].get<std::string>());
        mk_module_set_buffer(ref, int32_t(uintptr_t(dest.c_str())), int32_t(dest.size()));
        return 102;
      }
      if (status == 102) {
        log.push_back({{"value", h["key"]}, {"is", h["value"]}});
        return 0;
      }
      if (status == 103) {
        log.push_back({{"stored", h["path"]}, {"size", h["file_size"]}});
        return 0;
      }
      log.push_back({{"end", status}});
      guest::send(log.dump());
      return 0;
    });
  } else {
    guest::send("{\"error\":\"no such probe\"}", 404, {{"content-type", "application/json"}});
  }
}
