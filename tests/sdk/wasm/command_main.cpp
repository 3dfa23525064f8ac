// A command-model service (like mimik's SDK): main() registers the routes and returns; the
// host runs _start, then delivers the event. wasm-ld wraps each export of a command module in
// __wasm_call_ctors/__wasm_call_dtors, so SDK state must not depend on static constructors
// (it does not) and the service keeps its own globals trivially destructible.
#include <edge/edge.hpp>

#include <string>

constexpr const char* greeting = "hello from main";

int main() {
  edge::service().get("/", [](edge::Request&, edge::Response& res) { res.text(greeting); });
  edge::service().get("/items/:id", [](edge::Request& req, edge::Response& res) {
    edge::storage::get(req.param("id"), [&res](edge::Result<std::string> r) {
      if (!r) return res.error(404, r.error());
      res.text(*r);
    });
  });
  return 0;
}
