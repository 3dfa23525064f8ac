#pragma once
// Each subcommand lives in its own file under commands/ and registers itself here, so adding
// a command touches one file. A command's callback stores its exit code in the context.
#include <CLI/CLI.hpp>

#include <functional>

namespace edge {

// Exit codes, documented in docs/cli.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the command ran and found a problem (invalid module, failed deploy)
inline constexpr int kExitUsage = 2;     // bad arguments or no project

struct CommandContext {
  int exit_code = kExitOk;
};

using CommandRegistrar = std::function<void(CLI::App& app, CommandContext& ctx)>;

// `order` sorts commands in `edge --help` (the user's path first: new, build, pack, deploy).
bool register_command(int order, CommandRegistrar registrar);
void add_registered_commands(CLI::App& app, CommandContext& ctx);

}  // namespace edge

#define EDGE_CONCAT_INNER(a, b) a##b
#define EDGE_CONCAT(a, b) EDGE_CONCAT_INNER(a, b)
// Registers a command at static-initialisation time: EDGE_COMMAND(10, add_new_command);
#define EDGE_COMMAND(order, registrar) \
  static const bool EDGE_CONCAT(edge_command_registered_, __LINE__) = ::edge::register_command(order, registrar)
