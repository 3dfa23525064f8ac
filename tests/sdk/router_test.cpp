// Routing: patterns, parameters, precedence, 404 and 405 with Allow.
#include <doctest/doctest.h>
#include <edge/router.hpp>

using edge::Router;
using Kind = Router::Match::Kind;

namespace {
edge::Handler tag(int& hit, int id) {
  return [&hit, id](edge::Request&, edge::Response&) { hit = id; };
}
int run(const Router& r, std::string_view method, std::string_view path, int& hit) {
  auto m = r.match(method, path);
  if (m.kind != Kind::Found) return -1;
  edge::Request req;
  edge::Response res;
  (*m.handler)(req, res);
  return hit;
}
}  // namespace

TEST_CASE("router: literal, parameter and wildcard routes") {
  Router r;
  int hit = 0;
  r.add("GET", "/", tag(hit, 1));
  r.add("GET", "/items", tag(hit, 2));
  r.add("GET", "/items/:id", tag(hit, 3));
  r.add("GET", "/files/*", tag(hit, 4));
  r.add("GET", "/users/{user}/posts/{post}", tag(hit, 5));

  CHECK(run(r, "GET", "/", hit) == 1);
  CHECK(run(r, "GET", "/items", hit) == 2);
  CHECK(run(r, "GET", "/items/", hit) == 2);  // a trailing slash does not matter
  CHECK(run(r, "GET", "/items/42", hit) == 3);
  CHECK(r.match("GET", "/items/42").params == std::vector<std::pair<std::string, std::string>>{{"id", "42"}});
  CHECK(r.match("GET", "/items/a%20b").params[0].second == "a b");  // params are decoded
  CHECK(run(r, "GET", "/files/a/b/c.log", hit) == 4);
  CHECK(r.match("GET", "/files/a/b/c.log").params[0] == std::pair<std::string, std::string>{"*", "a/b/c.log"});
  CHECK(r.match("GET", "/files").params[0].second.empty());  // the wildcard may be empty
  auto m = r.match("GET", "/users/ann/posts/7");
  REQUIRE(m.kind == Kind::Found);
  CHECK(m.params.size() == 2);
  CHECK(m.params[0] == std::pair<std::string, std::string>{"user", "ann"});
  CHECK(m.params[1] == std::pair<std::string, std::string>{"post", "7"});
  CHECK(r.match("GET", "/items/42/extra").kind == Kind::NotFound);
  CHECK(r.match("GET", "/nothing").kind == Kind::NotFound);
}

TEST_CASE("router: a literal beats a parameter whatever the order") {
  Router r;
  int hit = 0;
  r.add("GET", "/items/:id", tag(hit, 1));
  r.add("GET", "/items/new", tag(hit, 2));
  r.add("GET", "/items/*", tag(hit, 3));
  CHECK(run(r, "GET", "/items/new", hit) == 2);
  CHECK(run(r, "GET", "/items/7", hit) == 1);
  CHECK(run(r, "GET", "/items/7/8", hit) == 3);
}

TEST_CASE("router: a known path with another method is 405 with Allow") {
  Router r;
  int hit = 0;
  r.add("GET", "/items/:id", tag(hit, 1));
  r.add("put", "/items/:id", tag(hit, 2));  // methods are case-insensitive
  r.add("DELETE", "/items/:id", tag(hit, 3));
  auto m = r.match("POST", "/items/1");
  CHECK(m.kind == Kind::MethodNotAllowed);
  CHECK(m.allow == "DELETE, GET, HEAD, PUT");
  CHECK(run(r, "PUT", "/items/1", hit) == 2);
  CHECK(run(r, "HEAD", "/items/1", hit) == 1);  // HEAD falls back to GET
}

TEST_CASE("router: any-method routes and exact methods") {
  Router r;
  int hit = 0;
  r.add("*", "/echo", tag(hit, 1));
  r.add("POST", "/echo", tag(hit, 2));
  CHECK(run(r, "PATCH", "/echo", hit) == 1);
  CHECK(run(r, "POST", "/echo", hit) == 2);
}
