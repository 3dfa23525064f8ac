// edge doctor: what toolchain `edge build` would use, what is missing, and the command that fixes it.
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "compile/guest_flags.hpp"
#include "compile/process.hpp"
#include "compile/toolchain.hpp"
#include "commands/commands.hpp"
#include "edge/core/wasm_inspect.hpp"
#include "paths.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

struct Line {
  std::string what, found, fix;
  bool ok = false, required = true;
};

void print_line(const Line& l) {
  if (l.ok) {
    fmt::print("  {} {:<22} {}\n", ui::green("✓", 1), l.what, l.found);
  } else {
    fmt::print("  {} {:<22} {}{}\n", l.required ? ui::red("✗", 1) : ui::yellow("!", 1), l.what,
               l.required ? "missing" : "not found (optional)", l.found.empty() ? "" : ": " + l.found);
    if (!l.fix.empty()) fmt::print("    {} {}\n", ui::bold("fix:", 1), l.fix);
  }
}

// Builds a tiny C++20 program the way `edge build` does and validates its module: proves the
// compiler, wasi-libc, libc++ and the linker work together, which file checks cannot.
Line test_compile(const build::Toolchain& tc) {
  Line l{"test build",
         {},
         std::string(::geteuid() == 0 ? "" : "sudo ") +
             "./scripts/setup.sh (from the edge source tree) reinstalls the toolchain",
         false,
         true};
  auto dir = fs::temp_directory_path() / ("edge-doctor-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ofstream(dir / "t.cpp") << "#include <string>\n#include <vector>\n"
                                  "extern \"C\" __attribute__((export_name(\"t\"))) int t(int n) {\n"
                                  "  std::vector<std::string> v(n, \"x\"); return (int)v.size(); }\n";
  std::vector<std::string> argv{tc.cxx.string()};
  for (auto& f : tc.target_flags()) argv.push_back(f);
  for (const auto& flags : {build::guest::kCxxFlags, build::guest::kReleaseFlags, build::guest::kLinkFlags,
                            build::guest::kReleaseLinkFlags})
    argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-mexec-model=reactor", (dir / "t.cpp").string(), "-o", (dir / "t.wasm").string()});
  auto r = run_captured(argv);
  if (!r) {
    l.found = r.error().message;
  } else if (r->exit_code != 0) {
    l.found = "the compiler failed:\n" + r->output;
  } else {
    std::ifstream in(dir / "t.wasm", std::ios::binary);
    std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
    auto info = inspect_module(bytes);
    l.ok = info.ok();
    l.found = l.ok ? "C++20 with libc++ compiles and links to valid wasm32-wasi (" + ui::human_size(bytes.size()) + ")"
                   : "the module it built is not valid: " + info.error().message;
  }
  fs::remove_all(dir, ec);
  return l;
}

int run_doctor(const std::string& wasi_sdk_flag) {
  std::optional<fs::path> wasi_sdk;
  if (!wasi_sdk_flag.empty()) wasi_sdk = wasi_sdk_flag;
  std::vector<Line> lines;

  auto components = build::toolchain_components(wasi_sdk);
  auto toolchain = build::find_toolchain(wasi_sdk);
  for (const auto& c : components) {
    Line l{c.what, c.found, c.fix, c.ok, c.required};
    if (c.what == "compiler" && toolchain) {
      auto version = build::first_output_line(toolchain->cxx, {"--version"});
      if (!version.empty()) l.found += " — " + version;
    }
    lines.push_back(std::move(l));
  }
  if (toolchain) {
    std::string sysroot = toolchain->sysroot.empty()
                              ? "the compiler's own (/usr/include/wasm32-wasi, /usr/lib/wasm32-wasi)"
                              : toolchain->sysroot.string();
    lines.push_back({"sysroot", sysroot, "", true, true});
  }

  lines.push_back({"wabt", "libwabt " + std::string(wabt_version()) + " (linked into edge)", "", true, true});
  auto wasm_opt = build::find_wasm_opt();
  Line opt{"wasm-opt", {}, build::apt_install("binaryen"), wasm_opt.has_value(), false};
  if (wasm_opt) opt.found = wasm_opt->string() + " — " + build::first_output_line(*wasm_opt, {"--version"});
  lines.push_back(std::move(opt));

  std::error_code ec;
  auto sdk = paths::sdk_include_dir();
  lines.push_back({"SDK headers", sdk.string(),
                   "reinstall edge, or set EDGE_SHARE_DIR to the folder holding sdk/include", fs::is_directory(sdk, ec),
                   true});
  auto templates = paths::templates_dir();
  size_t count = 0;
  for (const auto& e : fs::directory_iterator(templates, ec))
    if (fs::exists(e.path() / "template.yaml")) ++count;
  lines.push_back({"templates", fmt::format("{} ({} installed)", templates.string(), count),
                   "reinstall edge, or set EDGE_SHARE_DIR to the folder holding templates/", count > 0, true});

  bool required_missing = false;
  for (const auto& l : lines) required_missing |= l.required && !l.ok;
  if (toolchain && !required_missing) lines.push_back(test_compile(*toolchain));

  fmt::print("edge {} — toolchain: {}\n", EDGE_VERSION, toolchain ? toolchain->origin : "none found");
  size_t missing = 0;
  for (const auto& l : lines) {
    print_line(l);
    if (l.required && !l.ok) ++missing;
  }
  if (missing) {
    fmt::print(
        "{} required component{} missing. Everything at once: {}./scripts/setup.sh (from the edge source tree)\n",
        missing, missing == 1 ? " is" : "s are", ::geteuid() == 0 ? "" : "sudo ");
    return kExitFailure;
  }
  fmt::print("everything `edge build` needs is here\n");
  return kExitOk;
}

}  // namespace

void add_doctor_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd =
      app.add_subcommand("doctor", "Check the toolchain (compiler, sysroot, wabt, wasm-opt) and say how to fix it");
  auto wasi_sdk = std::make_shared<std::string>();
  cmd->add_option("--wasi-sdk", *wasi_sdk,
                  "Check the wasi-sdk unpacked here instead of WASI_SDK_PATH / Debian clang-19");
  cmd->footer("Exit codes: 0 all required parts present, 1 something required is missing.");
  cmd->callback([&ctx, wasi_sdk] { ctx.exit_code = run_doctor(*wasi_sdk); });
}

}  // namespace edge
