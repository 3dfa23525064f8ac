// The routes of src/main.cpp, run in-process: `edge test` compiles this file with the service's
// sources for this machine. On the node the module sees only the folder granted as /logs; here
// LOGS_DIR points it at a folder the test writes.
#include <doctest/doctest.h>

#include <edge/testing/service_host.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

// A fresh folder with app.log (five numbered lines) and a sub-folder, removed at the end.
struct LogFolder {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("{{name}}-test-" + std::to_string(::getpid()));
  LogFolder() {
    std::filesystem::create_directories(path / "archive");
    std::ofstream log(path / "app.log");
    for (int i = 1; i <= 5; ++i) log << "line " << i << "\n";
  }
  ~LogFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("GET /files lists the files of the folder, not its sub-folders") {
  LogFolder logs;
  edge::testing::ServiceHost host;
  host.env["LOGS_DIR"] = logs.path.string();
  auto res = host.get("/files");
  CHECK(res.status == 200);
  auto files = res.json()["files"];
  REQUIRE(files.size() == 1);
  CHECK(files[0].as_string() == "app.log");
}

TEST_CASE("GET /lines gives the last lines of a file") {
  LogFolder logs;
  edge::testing::ServiceHost host;
  host.env["LOGS_DIR"] = logs.path.string();
  auto lines = host.get("/lines?file=app.log&tail=2").json()["lines"];
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].as_string() == "line 4");
  CHECK(lines[1].as_string() == "line 5");
}

TEST_CASE("names that leave the folder are refused, missing files are 404, tail is checked") {
  LogFolder logs;
  edge::testing::ServiceHost host;
  host.env["LOGS_DIR"] = logs.path.string();
  CHECK(host.get("/lines?file=../etc/passwd").status == 400);
  CHECK(host.get("/lines?file=.hidden").status == 400);
  CHECK(host.get("/lines?file=missing.log").status == 404);
  CHECK(host.get("/lines?file=app.log&tail=many").status == 400);
}
