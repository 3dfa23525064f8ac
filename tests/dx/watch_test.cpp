// What `edge dev` watches: sources under the manifest's globs, include dirs, edge.yaml; not build/.
#include <doctest/doctest.h>

#include <algorithm>

#include "dev/source_watch.hpp"
#include "test_support.hpp"

using namespace edge::test;
namespace fs = std::filesystem;

namespace {

bool lists(const std::vector<fs::path>& files, const fs::path& p) {
  return std::find(files.begin(), files.end(), p) != files.end();
}

// mtimes can be coarse: force a visible change.
void touch_later(const fs::path& p) { fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(2)); }

}  // namespace

TEST_CASE("the dev watcher sees sources, headers and edge.yaml, and ignores build output") {
  TempDir tmp;
  const fs::path root = tmp.path();
  write_file(root / "edge.yaml", "name: w\nbuild:\n  sources: [src/**/*.cpp]\n  includeDirs: [include]\n");
  write_file(root / "src" / "main.cpp", "int main() {}\n");
  write_file(root / "include" / "w.hpp", "#pragma once\n");
  write_file(root / "build" / "w.wasm", "x");
  write_file(root / "notes.txt", "not watched\n");

  auto before = edge::dev::take_snapshot(root);
  CHECK(before.count(root / "edge.yaml"));
  CHECK(before.count(root / "src" / "main.cpp"));
  CHECK(before.count(root / "include" / "w.hpp"));
  CHECK_FALSE(before.count(root / "build" / "w.wasm"));
  CHECK_FALSE(before.count(root / "notes.txt"));
  CHECK(edge::dev::changed_files(before, edge::dev::take_snapshot(root)).empty());

  write_file(root / "src" / "sub" / "extra.cpp", "int x;\n");  // a new file in a subfolder
  touch_later(root / "include" / "w.hpp");
  write_file(root / "build" / "w.wasm", "changed");
  auto after = edge::dev::take_snapshot(root);
  auto changed = edge::dev::changed_files(before, after);
  CHECK(changed.size() == 2);
  CHECK(lists(changed, root / "src" / "sub" / "extra.cpp"));
  CHECK(lists(changed, root / "include" / "w.hpp"));
  CHECK(edge::dev::newest_change(after, changed).has_value());

  fs::remove(root / "src" / "main.cpp");
  touch_later(root / "edge.yaml");
  auto later = edge::dev::changed_files(after, edge::dev::take_snapshot(root));
  CHECK(lists(later, root / "src" / "main.cpp"));
  CHECK(lists(later, root / "edge.yaml"));
}
