#pragma once
// The service: routes, before-hooks, and the module's exports that drive them.
//
// Reactor modules (our templates):      Command modules (like mimik's SDK):
//   EDGE_SERVICE(app) {                   int main() {
//     app.get("/", hello);                  edge::service().get("/", hello);
//   }                                     }
// EDGE_SERVICE's body runs once, on the first event. In a command module the host runs
// _start (main) first and delivers the event afterwards.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/abi.hpp"
#include "edge/http.hpp"
#include "edge/log.hpp"
#include "edge/msgpack.hpp"
#include "edge/router.hpp"
#include "edge/rpc.hpp"

namespace edge {

// Runs before routing; return false to stop there (having sent a response, or the SDK
// answers 500).
using Hook = std::function<bool(Request&, Response&)>;

class Service {
 public:
  Service& route(std::string_view method, std::string_view pattern, Handler h) {
    router_.add(method, pattern, std::move(h));
    return *this;
  }
  Service& get(std::string_view pattern, Handler h) { return route("GET", pattern, std::move(h)); }
  Service& post(std::string_view pattern, Handler h) { return route("POST", pattern, std::move(h)); }
  Service& put(std::string_view pattern, Handler h) { return route("PUT", pattern, std::move(h)); }
  Service& patch(std::string_view pattern, Handler h) { return route("PATCH", pattern, std::move(h)); }
  Service& del(std::string_view pattern, Handler h) { return route("DELETE", pattern, std::move(h)); }
  Service& any(std::string_view pattern, Handler h) { return route("*", pattern, std::move(h)); }
  Service& before(Hook hook) {
    hooks_.push_back(std::move(hook));
    return *this;
  }

  // Hooks, then the route; 404 and 405 (with Allow) when nothing fits.
  void handle(Request& req, Response& res) const {
    for (const auto& hook : hooks_)
      if (!hook(req, res)) return;
    auto m = router_.match(req.method(), req.path());
    switch (m.kind) {
      case Router::Match::Kind::Found:
        req.set_params(std::move(m.params));
        (*m.handler)(req, res);
        return;
      case Router::Match::Kind::MethodNotAllowed:
        res.header("allow", m.allow).error(405, "method " + req.method() + " not allowed on " + req.path());
        return;
      case Router::Match::Kind::NotFound: res.error(404, "no route for " + req.method() + " " + req.path()); return;
    }
  }

  const Router& router() const { return router_; }

 private:
  Router router_;
  std::vector<Hook> hooks_;
};

// The module's one service. Heap-allocated and never destroyed (see rpc::state()).
inline Service& service() {
  static Service* s = new Service();
  return *s;
}

}  // namespace edge

// Defined by EDGE_SERVICE; weak so a command module (main()) can do without it.
extern "C" void edge_service_setup(::edge::Service& app) __attribute__((weak));

#define EDGE_SERVICE(app) extern "C" void edge_service_setup(::edge::Service& app)

namespace edge::detail {

// One request in flight: lives until it has answered and no host call is pending.
struct Exchange : rpc::Owner {
  Request req;
  Response res;
};

struct Runtime {
  std::vector<Exchange*> exchanges;
  int depth = 0;  // nesting of export calls (a synchronous host re-enters)
  bool setup_done = false;
};
inline Runtime& runtime() {
  static Runtime* r = new Runtime();
  return *r;
}

// After the outermost export call returns: a request that has not answered and waits for
// nothing gets the SDK's 500; finished requests are freed.
inline void settle() {
  Runtime& rt = runtime();
  if (rt.depth > 0) return;
  for (size_t i = 0; i < rt.exchanges.size();) {
    Exchange* ex = rt.exchanges[i];
    if (!ex->res.sent() && ex->pending == 0) {
      log::error("edge: ", ex->req.method(), " ", ex->req.path(),
                 " returned without sending a response; answering 500");
      ex->res.error(500, "the service did not send a response");
    }
    if (ex->res.sent() && ex->pending == 0) {
      delete ex;
      rt.exchanges.erase(rt.exchanges.begin() + static_cast<long>(i));
    } else {
      ++i;
    }
  }
}

inline std::string read_host_buffer(int64_t ref, int32_t len) {
  std::string bytes(len > 0 ? static_cast<size_t>(len) : 0, '\0');
  if (!bytes.empty()) abi::get_buffer(bytes.data(), ref, bytes.size());
  return bytes;
}

inline void on_event(int64_t buf_ref, int32_t len) {
  Runtime& rt = runtime();
  ++rt.depth;
  if (!rt.setup_done) {
    rt.setup_done = true;
    if (&edge_service_setup != nullptr) edge_service_setup(service());
  }
  auto* ex = new Exchange();
  rt.exchanges.push_back(ex);
  if (!Request::from_message(read_host_buffer(buf_ref, len), ex->req)) {
    log::error("edge: cannot read the event: it is not a MessagePack map of the ABI's shape");
    ex->res.error(400, "the event could not be read: it is not a MessagePack map of the ABI's shape");
  } else {
    std::string level = ex->req.env("EDGE_LOG_LEVEL");
    if (!level.empty()) log::set_level(level);
    log::debug("edge: ", ex->req.method(), " ", ex->req.url());
    rpc::State& st = rpc::state();
    rpc::Owner* saved = st.current;
    st.current = ex;
    service().handle(ex->req, ex->res);
    st.current = saved;
  }
  --rt.depth;
  settle();
}

inline int32_t on_api_response(int64_t session_id, int64_t buf_ref, int32_t len) {
  Runtime& rt = runtime();
  ++rt.depth;
  int32_t code = rpc::deliver(session_id, read_host_buffer(buf_ref, len));
  --rt.depth;
  settle();
  return code;
}

}  // namespace edge::detail

// The exports, declared from edge/abi.def in edge/abi.hpp (the compiler checks that these
// definitions match those declarations). Inline: every file may include the SDK.
extern "C" inline void mk_module_on_event(int64_t buf_ref, int32_t len) { edge::detail::on_event(buf_ref, len); }
extern "C" inline int32_t mk_module_on_api_response(int64_t session_id, int64_t buf_ref, int32_t len) {
  return edge::detail::on_api_response(session_id, buf_ref, len);
}
// The version marker, named in edge/abi.def.
#define EDGE_ABI_MARKER(name) \
  extern "C" inline void name() {}
#include "edge/abi.def"
