#include <doctest/doctest.h>

#include "edge/core/manifest.hpp"

using namespace edge;

TEST_CASE("a minimal manifest gets defaults") {
  auto m = parse_manifest("name: hello\n");
  REQUIRE(m.ok());
  CHECK(m->version == "1.0.0");
  CHECK(m->api_version == "v1");
  CHECK(m->base_path == "/hello/v1");
  CHECK(m->image_name() == "hello-v1");
  CHECK(m->image_file() == "hello-v1-1.0.0.tar");
  CHECK(m->build.model == ModuleModel::Reactor);
}

TEST_CASE("a full manifest round-trips through to_yaml") {
  auto m = parse_manifest(
      "name: kv\nversion: 2.1.0\napiVersion: v2\nbasePath: /store/v2\nenv: {A: '1', B: two}\n"
      "build: {model: command, sources: [a.cpp, 'lib/*.cpp'], includeDirs: [inc]}\n");
  REQUIRE(m.ok());
  auto again = parse_manifest(to_yaml(*m));
  REQUIRE(again.ok());
  CHECK(again->name == "kv");
  CHECK(again->version == "2.1.0");
  CHECK(again->base_path == "/store/v2");
  CHECK(again->env.at("B") == "two");
  CHECK(again->build.model == ModuleModel::Command);
  CHECK(again->build.sources == std::vector<std::string>{"a.cpp", "lib/*.cpp"});
}

TEST_CASE("broken manifests name the problem and the fix") {
  auto no_name = parse_manifest("version: 1.0.0\n");
  REQUIRE_FALSE(no_name.ok());
  CHECK(no_name.error().message.find("missing `name`") != std::string::npos);
  CHECK_FALSE(no_name.error().hint.empty());

  auto bad_yaml = parse_manifest("name: [unclosed\n");
  REQUIRE_FALSE(bad_yaml.ok());
  CHECK(bad_yaml.error().message.find("edge.yaml:") != std::string::npos);

  CHECK_FALSE(parse_manifest("name: hello\nversion: one\n").ok());
  CHECK_FALSE(parse_manifest("name: hello\nbasePath: hello/v1/\n").ok());
  CHECK_FALSE(parse_manifest("name: hello\nbuild: {model: library}\n").ok());
  CHECK_FALSE(parse_manifest("name: hello\nenv: [a, b]\n").ok());
}

TEST_CASE("service names are what image names and URLs accept") {
  for (auto good : {"hello", "a", "my-service", "svc2", "a-b-c"}) CHECK(validate_service_name(good).ok());
  for (auto bad : {"", "Hello", "2fast", "-x", "x-", "a--b", "a_b", "a/b", "../x", "a b"})
    CHECK_MESSAGE(!validate_service_name(bad).ok(), bad);
  CHECK_FALSE(validate_service_name(std::string(64, 'a')).ok());
}
