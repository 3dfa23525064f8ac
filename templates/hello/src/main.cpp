// {{name}}: GET / answers JSON with a greeting and the time.
#include <edge/edge.hpp>
#include <edge/json.hpp>

EDGE_SERVICE(app) {
  // GET /?name=Ann -> {"message":"Hello, Ann!","service":"{{name}}","time":"2026-...Z"}
  app.get("/", [](edge::Request& req, edge::Response& res) {
    std::string greeting = req.env("GREETING", "Hello");
    std::string who = req.query("name", "world");
    res.json(edge::Json::object({
        {"message", greeting + ", " + who + "!"},
        {"service", "{{name}}"},
        {"time", edge::time::now_iso8601()},
    }));
  });
}
