// {{name}}: JSON CRUD over the node's storage.
//   PUT    /items/:id   stores the JSON body          -> 200 {"id", "value"}
//   GET    /items/:id   returns the stored JSON       -> 200 value | 404
//   GET    /items       lists every item              -> 200 {"items": [{"id", "value"}]}
//   DELETE /items/:id   removes it                    -> 204 | 404
#include <edge/edge.hpp>
#include <edge/json.hpp>

#include <memory>

namespace {

constexpr const char* kTag = "items";  // every item is stored with this tag, so GET /items lists them

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  return true;
}

// The id from the path, or a 400 and false.
bool take_id(edge::Request& req, edge::Response& res, std::string& id) {
  id = req.param("id");
  if (valid_id(id)) return true;
  res.error(400, "item ids are 1-128 characters: letters, digits, '-', '_', '.'");
  return false;
}

void put_item(edge::Request& req, edge::Response& res) {
  std::string id;
  if (!take_id(req, res, id)) return;
  auto body = edge::Json::parse(req.body());
  if (!body) return res.error(400, "the body must be JSON: " + body.error());
  std::string text = body->dump();
  edge::storage::set_with_tag(id, text, kTag, [&res, id, value = std::move(*body)](edge::Result<std::string> r) {
    if (!r) return res.error(500, "storage: " + r.error());
    res.json(edge::Json::object({{"id", id}, {"value", value}}));
  });
}

void get_item(edge::Request& req, edge::Response& res) {
  std::string id;
  if (!take_id(req, res, id)) return;
  edge::storage::get(id, [&res, id](edge::Result<std::string> r) {
    // Hosts report a missing key either as an error or as an empty value.
    if (!r || r->empty()) return res.error(404, "no item " + id);
    res.json_text(*r);  // stored as JSON text by PUT
  });
}

void delete_item(edge::Request& req, edge::Response& res) {
  std::string id;
  if (!take_id(req, res, id)) return;
  edge::storage::get(id, [&res, id](edge::Result<std::string> found) {
    if (!found || found->empty()) return res.error(404, "no item " + id);
    edge::storage::remove(id, [&res](edge::Result<std::string> r) {
      if (!r) return res.error(500, "storage: " + r.error());
      res.status(204).send();
    });
  });
}

void list_items(edge::Request&, edge::Response& res) {
  auto items = std::make_shared<edge::Json>(edge::Json::array());
  edge::storage::each(
      kTag,
      [items](const std::string& key, const std::string& value) {
        auto parsed = edge::Json::parse(value);
        items->push(edge::Json::object({{"id", key}, {"value", parsed ? *parsed : edge::Json(value)}}));
        return true;  // keep going
      },
      [&res, items](edge::Status st) {
        if (!st) return res.error(500, "storage: " + st.error());
        res.json(edge::Json::object({{"items", *items}, {"count", items->size()}}));
      });
}

}  // namespace

EDGE_SERVICE(app) {
  app.get("/items", list_items);
  app.put("/items/:id", put_item);
  app.get("/items/:id", get_item);
  app.del("/items/:id", delete_item);
}
