// edge build [--release|--debug] [-C DIR]: compiles the project to build/<name>.wasm and validates it.
#include "compile/project_build.hpp"
#include "compile/report_output.hpp"
#include "commands/commands.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

struct BuildArgs {
  bool release = false, debug = false;
  std::string dir = ".";
  std::string wasi_sdk;
  unsigned jobs = 0;
};

int run_build(const BuildArgs& args) {
  build::BuildOptions options;
  options.start_dir = args.dir;
  options.profile = args.debug ? build::Profile::Debug : build::Profile::Release;
  if (!args.wasi_sdk.empty()) options.wasi_sdk = args.wasi_sdk;
  options.jobs = args.jobs;

  if (auto root = find_project_root(args.dir); !root) {
    ui::error(root.error());
    return kExitUsage;
  }
  auto result = build::build_project(options);
  if (!result) {
    ui::error(result.error());
    return kExitFailure;
  }
  const auto& out = *result;
  std::error_code ec;
  auto shown = out.wasm.lexically_relative(fs::current_path(ec));
  if (shown.empty() || shown.string().starts_with("..")) shown = out.wasm;
  if (!out.report.ok()) {
    ui::error(fmt::format("{} is not a valid edgeEngine module ({} problem{}):", shown.string(),
                          out.report.problems.size(), out.report.problems.size() == 1 ? "" : "s"));
    build::print_problems(out.report);
    return kExitFailure;
  }
  auto profile = args.debug ? "debug" : "release";
  if (out.linked)
    ui::success(fmt::format("built {} ({}, {}{}, {} of {} source{} compiled)", shown.string(),
                            ui::human_size(out.wasm_bytes), profile, out.optimized ? ", wasm-opt" : "", out.compiled,
                            out.sources, out.sources == 1 ? "" : "s"));
  else ui::success(fmt::format("{} is up to date ({}, {})", shown.string(), ui::human_size(out.wasm_bytes), profile));
  return kExitOk;
}

}  // namespace

void add_build_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("build", "Compile the project to build/<name>.wasm (wasm32-wasi) and validate it");
  auto args = std::make_shared<BuildArgs>();
  auto* release = cmd->add_flag("--release", args->release, "Optimise for size and strip (the default)");
  cmd->add_flag("--debug", args->debug, "Keep DWARF and names, no optimisation")->excludes(release);
  cmd->add_option("-C,--dir", args->dir, "Build the project in (or above) this folder");
  cmd->add_option("--wasi-sdk", args->wasi_sdk,
                  "Use the wasi-sdk unpacked here (else WASI_SDK_PATH, else Debian clang-19)");
  cmd->add_option("-j,--jobs", args->jobs, "Parallel compilations (default: all cores)");
  cmd->footer("Exit codes: 0 built and valid, 1 compile/link error or invalid module, 2 usage error.");
  cmd->callback([&ctx, args] { ctx.exit_code = run_build(*args); });
}

}  // namespace edge
