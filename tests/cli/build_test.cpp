// End to end with the real toolchain: `edge new hello && edge build` gives a module that
// `edge validate` accepts; builds are incremental; errors pass through; ABI violations fail.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "cli_test_util.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {
fs::file_time_type mtime(const fs::path& p) { return fs::last_write_time(p); }

// Moves a file's mtime forward, as an edit would (no sleeping on coarse clocks).
void touch_later(const fs::path& p) {
  fs::last_write_time(p, fs::file_time_type::clock::now() + std::chrono::seconds(5));
}
}  // namespace

TEST_CASE("edge new hello && edge build && edge validate, and a second build compiles nothing") {
  TempDir work;
  auto made = run({edge_bin().string(), "new", "hello"}, work.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto project = work / "hello";

  // A second source that includes a header next to it, to see the depfiles at work.
  write_file(project / "src/extra.hpp", "#pragma once\nint extra_value();\n");
  write_file(project / "src/extra.cpp", "#include \"extra.hpp\"\nint extra_value() { return 42; }\n");

  auto first = run({edge_bin().string(), "build"}, project);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  auto wasm = project / "build/hello.wasm";
  REQUIRE(fs::exists(wasm));
  CHECK(first.err.find("Compiling src/main.cpp") != std::string::npos);
  CHECK(first.err.find("Compiling src/extra.cpp") != std::string::npos);
  CHECK(first.err.find("KB") != std::string::npos);  // prints the size

  auto valid = run({edge_bin().string(), "validate", wasm.string()});
  CHECK_MESSAGE(valid.exit_code == 0, valid.out);

  // clangd finds the compilation database at the project root.
  CHECK(fs::exists(project / "build/compile_commands.json"));
  CHECK(fs::exists(project / "compile_commands.json"));
  CHECK(read_file(project / "compile_commands.json").find("src/extra.cpp") != std::string::npos);

  auto obj_main = project / "build/obj/release/src/main.cpp.o";
  auto obj_extra = project / "build/obj/release/src/extra.cpp.o";
  auto main_time = mtime(obj_main), wasm_time = mtime(wasm);

  auto second = run({edge_bin().string(), "build"}, project);
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("Compiling") == std::string::npos);
  CHECK(second.err.find("up to date") != std::string::npos);
  CHECK(mtime(obj_main) == main_time);
  CHECK(mtime(wasm) == wasm_time);

  // Editing a header recompiles only the source that includes it.
  touch_later(project / "src/extra.hpp");
  auto third = run({edge_bin().string(), "build", "-C", (project / "src").string()}, work.path());
  CHECK_MESSAGE(third.exit_code == 0, third.err);
  CHECK(third.err.find("Compiling src/extra.cpp") != std::string::npos);
  CHECK(third.err.find("Compiling src/main.cpp") == std::string::npos);
  CHECK(mtime(obj_main) == main_time);
  CHECK(mtime(obj_extra) > main_time);
}

TEST_CASE("edge build --debug keeps names and DWARF, compiler errors pass through, ABI misuse fails") {
  TempDir work;
  REQUIRE(run({edge_bin().string(), "new", "dbg"}, work.path()).exit_code == 0);
  auto project = work / "dbg";

  // A call to a host function that is not in the ABI: the build must fail naming it and its caller.
  write_file(
      project / "src/bad.cpp",
      "extern \"C\" __attribute__((import_module(\"env\"), import_name(\"not_in_abi\"))) int not_in_abi(int);\n"
      "extern \"C\" __attribute__((export_name(\"use_it\"))) int calls_the_host(int x) { return not_in_abi(x); }\n");
  auto bad = run({edge_bin().string(), "build", "--debug"}, project);
  CHECK(bad.exit_code == 1);
  auto lines = lines_with(bad.err, "import env.not_in_abi");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("called from calls_the_host") != std::string::npos);

  auto json = run({edge_bin().string(), "validate", "--json", (project / "build/dbg.wasm").string()});
  CHECK(json.out.find("\"hasDwarf\": true") != std::string::npos);

  // A syntax error: clang's own diagnostic, file and line, reaches the user.
  write_file(project / "src/bad.cpp", "int broken( {\n");
  auto broken = run({edge_bin().string(), "build"}, project);
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("src/bad.cpp:1:") != std::string::npos);
  CHECK(broken.err.find("failed to compile") != std::string::npos);

  fs::remove(project / "src/bad.cpp");
  auto fixed = run({edge_bin().string(), "build"}, project);
  CHECK_MESSAGE(fixed.exit_code == 0, fixed.err);
}

TEST_CASE("edge build outside a project is a usage error") {
  TempDir work;
  auto r = run({edge_bin().string(), "build"}, work.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no edge.yaml") != std::string::npos);
}

TEST_CASE("edge build --debug precompiles the SDK headers once, then an edit recompiles only the source") {
  TempDir work;
  REQUIRE(run({edge_bin().string(), "new", "fast"}, work.path()).exit_code == 0);
  auto project = work / "fast";
  // Starts with a quoted include: what follows it may depend on it, so it gets no prelude.
  write_file(project / "src/extra.hpp", "#pragma once\n#define EXTRA 42\n");
  write_file(project / "src/extra.cpp",
             "#include \"extra.hpp\"\n#include <edge/edge.hpp>\nint extra_value() { return EXTRA; }\n");

  // A cache of its own, so the first build precompiles whatever other builds cached.
  const std::map<std::string, std::string> cache{{"EDGE_CACHE_DIR", (work / "cache").string()}};
  auto first = run({edge_bin().string(), "build", "--debug", "--verbose"}, project, cache);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.err.find("Precompiling the SDK headers") != std::string::npos);
  auto main_lines = lines_with(first.err, "src/main.cpp -o");
  REQUIRE(main_lines.size() == 1);
  CHECK(main_lines[0].find("-include-pch") != std::string::npos);
  auto extra_lines = lines_with(first.err, "src/extra.cpp -o");
  REQUIRE(extra_lines.size() == 1);
  CHECK(extra_lines[0].find("-include-pch") == std::string::npos);
  // clangd reads compile_commands.json and must not depend on a PCH of another clang.
  CHECK(read_file(project / "compile_commands.json").find("-include-pch") == std::string::npos);

  auto source = read_file(project / "src/main.cpp");
  auto at = source.find("\"Hello\"");
  REQUIRE(at != std::string::npos);
  write_file(project / "src/main.cpp", source.replace(at, 7, "\"Hi\""));
  auto second = run({edge_bin().string(), "build", "--debug"}, project, cache);
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.err.find("Precompiling") == std::string::npos);
  CHECK(second.err.find("Compiling src/main.cpp") != std::string::npos);
  CHECK(second.err.find("Compiling src/extra.cpp") == std::string::npos);
  auto valid = run({edge_bin().string(), "validate", (project / "build/fast.wasm").string()});
  CHECK_MESSAGE(valid.exit_code == 0, valid.out);

  // An include added at the top makes a new prelude, next to the first in the cache.
  write_file(project / "src/main.cpp", "#include <string_view>\n" + read_file(project / "src/main.cpp"));
  auto third = run({edge_bin().string(), "build", "--debug"}, project, cache);
  REQUIRE_MESSAGE(third.exit_code == 0, third.err);
  CHECK(third.err.find("Precompiling the SDK headers") != std::string::npos);
  size_t preludes = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(work / "cache/prelude")) ++preludes;
  CHECK(preludes == 2);

  // A prelude no build used for over 30 days goes; the ones in use stay.
  const auto stale = work / "cache/prelude/0123456789abcdef";
  write_file(stale / "lock", "");
  fs::last_write_time(stale / "lock", fs::file_time_type::clock::now() - std::chrono::hours(24 * 31));
  touch_later(project / "src/main.cpp");
  REQUIRE(run({edge_bin().string(), "build", "--debug"}, project, cache).exit_code == 0);
  CHECK(!fs::exists(stale));
  preludes = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(work / "cache/prelude")) ++preludes;
  CHECK(preludes == 2);

  // Another project with the same includes and flags reuses the cached prelude at once.
  REQUIRE(run({edge_bin().string(), "new", "other"}, work.path()).exit_code == 0);
  auto other = run({edge_bin().string(), "build", "--debug"}, work / "other", cache);
  REQUIRE_MESSAGE(other.exit_code == 0, other.err);
  CHECK(other.err.find("Precompiling") == std::string::npos);
  CHECK(other.err.find("Compiling src/main.cpp") != std::string::npos);
}
