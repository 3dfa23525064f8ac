// edge logs NAME [-f]: a service's log from the node (edge-node's logs extension of mCM).
#include <cstdio>
#include <memory>
#include <variant>

#include "commands/commands.hpp"
#include "dev/completion_scripts.hpp"
#include "container_lookup.hpp"
#include "ui.hpp"

namespace edge {
namespace {

struct LogsArgs {
  std::string name;
  bool follow = false;
  deploy::NodeFlags nodes;
};

int run_logs(const LogsArgs& args) {
  auto found = deploy::find_container(args.nodes, args.name);
  if (auto* failed = std::get_if<deploy::LookupFailure>(&found)) {
    deploy::print_failure(failed->error);
    return failed->exit_code;
  }
  auto& [target, client, container] = std::get<deploy::ContainerLookup>(found);
  if (!container) {
    deploy::print_failure(deploy::no_such_service(args.name, target.url));
    return kExitFailure;
  }
  auto st = client.logs(container->value("id", std::string()), args.follow, [](std::string_view chunk) {
    fwrite(chunk.data(), 1, chunk.size(), stdout);
    fflush(stdout);
    return true;
  });
  if (!st) {
    if (st.error().kind == ErrorKind::NotFound)
      deploy::print_failure(make_error(target.url + " does not serve logs",
                                       "logs are an edge-node extension; a real edgeEngine node keeps its own"));
    else deploy::print_failure(st.error());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_logs_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<LogsArgs>();
  auto* cmd = app.add_subcommand("logs", "Print a service's log (edge-node); -f keeps following it");
  cmd->add_option("name", args->name, "The service: `hello`, `hello-v1` or the container id")
      ->required()
      ->check(dev::completes("services"));
  cmd->add_flag("-f,--follow", args->follow, "Keep printing new lines until Ctrl-C");
  deploy::add_node_flags(cmd, args->nodes, /*fleet=*/false, /*json=*/false);  // a log is text
  cmd->callback([args, &ctx] { ctx.exit_code = run_logs(*args); });
}

}  // namespace edge
