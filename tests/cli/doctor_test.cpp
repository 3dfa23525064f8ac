// `edge doctor` on this machine (set up by scripts/setup.sh) and with a toolchain that is missing.
#include <doctest/doctest.h>

#include "cli_test_util.hpp"

using namespace edge::test;

TEST_CASE("edge doctor finds the Debian toolchain and proves it builds") {
  auto r = run({edge_bin().string(), "doctor"}, {}, {{"WASI_SDK_PATH", ""}});
  CHECK_MESSAGE(r.exit_code == 0, (r.out + r.err));
  for (const char* part : {"compiler", "wasi-libc", "libc++ (wasm32)", "wabt", "libwabt", "wasm-opt", "SDK headers",
                           "templates", "test build"})
    CHECK_MESSAGE(r.out.find(part) != std::string::npos, part);
  CHECK(r.out.find("✗") == std::string::npos);
}

TEST_CASE("a wasi-sdk that is not there: doctor and build say what is missing and how to fix it") {
  TempDir tmp;
  auto missing = (tmp / "wasi-sdk").string();
  auto doctor = run({edge_bin().string(), "doctor", "--wasi-sdk", missing});
  CHECK(doctor.exit_code == 1);
  CHECK(doctor.out.find("✗ compiler") != std::string::npos);
  CHECK(doctor.out.find("fix:") != std::string::npos);
  CHECK(doctor.out.find("drop --wasi-sdk") != std::string::npos);

  write_file(tmp / "svc/edge.yaml", "name: svc\n");
  write_file(tmp / "svc/src/main.cpp", "int x;\n");
  auto build = run({edge_bin().string(), "build"}, tmp / "svc", {{"WASI_SDK_PATH", missing}});
  CHECK(build.exit_code == 1);
  CHECK(build.err.find("no wasm32-wasi toolchain") != std::string::npos);
  CHECK(build.err.find("WASI_SDK_PATH") != std::string::npos);
}

TEST_CASE("an official wasi-sdk layout (bin/clang++, share/wasi-sysroot) is used when given") {
  // Debian's clang and wasm32 libraries arranged the way a wasi-sdk release unpacks.
  namespace fs = std::filesystem;
  TempDir tmp;
  auto sdk = tmp / "wasi-sdk";
  fs::create_directories(sdk / "bin");
  fs::create_directories(sdk / "share/wasi-sysroot/include");
  fs::create_directories(sdk / "share/wasi-sysroot/lib");
  fs::create_symlink("/usr/bin/clang++-19", sdk / "bin/clang++");
  fs::create_symlink("/usr/include/wasm32-wasi", sdk / "share/wasi-sysroot/include/wasm32-wasi");
  fs::create_symlink("/usr/lib/wasm32-wasi", sdk / "share/wasi-sysroot/lib/wasm32-wasi");

  auto doctor = run({edge_bin().string(), "doctor", "--wasi-sdk", sdk.string()});
  CHECK_MESSAGE(doctor.exit_code == 0, doctor.out);
  CHECK(doctor.out.find("toolchain: --wasi-sdk " + sdk.string()) != std::string::npos);

  REQUIRE(run({edge_bin().string(), "new", "viasdk"}, tmp.path()).exit_code == 0);
  auto build = run({edge_bin().string(), "--verbose", "build"}, tmp / "viasdk", {{"WASI_SDK_PATH", sdk.string()}});
  CHECK_MESSAGE(build.exit_code == 0, build.err);
  CHECK(build.err.find("--sysroot=" + (sdk / "share/wasi-sysroot").string()) != std::string::npos);
  CHECK(build.err.find((sdk / "bin/clang++").string()) != std::string::npos);
}
