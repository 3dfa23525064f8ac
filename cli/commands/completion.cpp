// edge completion bash|zsh|fish: a completion script generated from the commands themselves.
#include <fmt/core.h>

#include <memory>

#include "commands/commands.hpp"
#include "dev/completion_scripts.hpp"

namespace edge {
namespace {}  // namespace

void add_completion_command(CLI::App& app, CommandContext& ctx) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  cmd->add_option("shell", *shell, "The shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->footer(
      "Load it:  bash: source <(edge completion bash)\n"
      "          zsh:  source <(edge completion zsh)\n"
      "          fish: edge completion fish > ~/.config/fish/completions/edge.fish");
  // The root app is walked when the command runs, so commands registered after this one count.
  CLI::App* root = &app;
  cmd->callback([root, shell, &ctx] {
    const auto spec = dev::describe_app(*root);
    const std::string program = "edge";
    if (*shell == "bash") fmt::print("{}", dev::bash_completion(spec, program));
    else if (*shell == "zsh") fmt::print("{}", dev::zsh_completion(spec, program));
    else fmt::print("{}", dev::fish_completion(spec, program));
    ctx.exit_code = kExitOk;
  });
}

}  // namespace edge
