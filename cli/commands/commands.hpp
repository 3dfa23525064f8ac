#pragma once
// The subcommands: one file each under commands/, each adding itself to the app with the
// function declared here. main.cpp adds them all through add_commands(), in the order `edge
// help` lists them. A command's callback stores its exit code in the context.
#include <CLI/CLI.hpp>

namespace edge {

// Exit codes, the same for every command (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem (invalid module, failed deploy)
inline constexpr int kExitUsage = 2;    // bad arguments or no project

struct CommandContext {
  int exit_code = kExitOk;
};

void add_new_command(CLI::App& app, CommandContext& ctx);
void add_build_command(CLI::App& app, CommandContext& ctx);
void add_validate_command(CLI::App& app, CommandContext& ctx);
void add_pack_command(CLI::App& app, CommandContext& ctx);
void add_inspect_command(CLI::App& app, CommandContext& ctx);
void add_deploy_command(CLI::App& app, CommandContext& ctx);
void add_dev_command(CLI::App& app, CommandContext& ctx);
void add_test_command(CLI::App& app, CommandContext& ctx);
void add_ls_command(CLI::App& app, CommandContext& ctx);
void add_rm_command(CLI::App& app, CommandContext& ctx);
void add_logs_command(CLI::App& app, CommandContext& ctx);
void add_top_command(CLI::App& app, CommandContext& ctx);
void add_doctor_command(CLI::App& app, CommandContext& ctx);
void add_completion_command(CLI::App& app, CommandContext& ctx);
void add_complete_command(CLI::App& app, CommandContext& ctx);  // hidden: values for completion

// Every command, in the order of a service's life: make, build, ship, run, look, fix.
inline void add_commands(CLI::App& app, CommandContext& ctx) {
  for (auto add : {add_new_command, add_build_command, add_validate_command, add_pack_command, add_inspect_command,
                   add_deploy_command, add_dev_command, add_test_command, add_ls_command, add_rm_command,
                   add_logs_command, add_top_command, add_doctor_command, add_completion_command, add_complete_command})
    add(app, ctx);
}

}  // namespace edge
