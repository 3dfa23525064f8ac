// edge pack: the project's module as a docker-save image that edgeEngine nodes accept.
#include <filesystem>
#include <memory>

#include "commands/commands.hpp"
#include "deploy_pack.hpp"
#include "deploy_target.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

struct PackArgs {
  std::string dir = ".";
  std::string output;
  bool debug = false;
};

std::string display_path(const fs::path& p) {
  std::error_code ec;
  auto rel = fs::relative(p, fs::current_path(ec), ec);
  if (ec || rel.empty() || rel.string().starts_with("..")) return p.string();
  return rel.string();
}

int run_pack(const PackArgs& args) {
  if (auto root = find_project_root(args.dir); !root) {
    ui::error(root.error());
    return kExitUsage;
  }
  std::optional<fs::path> output;
  if (!args.output.empty()) output = fs::path(args.output);
  auto packed = deploy::pack_project(args.dir, output, args.debug ? build::Profile::Debug : build::Profile::Release);
  if (!packed) {
    deploy::print_failure(packed.error());
    return kExitFailure;
  }
  ui::success(fmt::format("packed {} {}", packed->manifest.name, packed->manifest.version));
  fmt::print("image:  {}\n", display_path(packed->image_path));
  fmt::print("size:   {} ({} bytes; module {})\n", ui::human_size(packed->image.size()), packed->image.size(),
             ui::human_size(packed->module_bytes));
  fmt::print("digest: {}\n", packed->digest);
  return kExitOk;
}

}  // namespace

void add_pack_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<PackArgs>();
  auto* cmd = app.add_subcommand("pack", "Build if needed, validate, and write the deployable image (deploy/*.tar)");
  cmd->add_option("-C,--dir", args->dir, "Project folder (default: the current one)");
  cmd->add_flag("--debug", args->debug, "Ship the debug build (DWARF: trap backtraces show file:line)");
  cmd->add_option("-o,--output", args->output, "Where to write the image (default deploy/<name>-v<api>-<version>.tar)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_pack(*args); });
}

}  // namespace edge
