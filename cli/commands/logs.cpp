// edge logs NAME [-f]: a service's log from the node (edge-node's logs extension of mCM).
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "deploy_target.hpp"
#include "ui.hpp"

namespace edge {
namespace {

struct LogsArgs {
  std::string name;
  bool follow = false;
  deploy::NodeFlags nodes;
};

int run_logs(const LogsArgs& args) {
  auto target = deploy::resolve_single_target(args.nodes, deploy::current_project_dir());
  if (!target) {
    deploy::print_failure(target.error());
    return kExitUsage;
  }
  mcm::Client client(target->url, target->token, deploy::timeouts(args.nodes));
  auto containers = client.list_containers();
  if (!containers) {
    deploy::print_failure(containers.error());
    return kExitFailure;
  }
  auto container = mcm::find_by_name(*containers, args.name);
  if (!container) {
    deploy::print_failure(make_error("no service `" + args.name + "` on " + target->url,
                                     "`edge ls --node " + target->url + "` lists what is deployed"));
    return kExitFailure;
  }
  auto st = client.logs(container->value("id", std::string()), args.follow, [](std::string_view chunk) {
    fwrite(chunk.data(), 1, chunk.size(), stdout);
    fflush(stdout);
    return true;
  });
  if (!st) {
    if (st.error().message.find("HTTP 404") != std::string::npos)
      deploy::print_failure(make_error(target->url + " does not serve logs", "logs are an edge-node extension; a real edgeEngine node keeps its own"));
    else
      deploy::print_failure(st.error());
    return kExitFailure;
  }
  return kExitOk;
}

void add_logs_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<LogsArgs>();
  auto* cmd = app.add_subcommand("logs", "Print a service's log (edge-node); -f keeps following it");
  cmd->add_option("name", args->name, "The service: `hello`, `hello-v1` or the container id")->required();
  cmd->add_flag("-f,--follow", args->follow, "Keep printing new lines until Ctrl-C");
  deploy::add_node_flags(cmd, args->nodes, /*fleet=*/false);
  cmd->callback([args, &ctx] { ctx.exit_code = run_logs(*args); });
}

EDGE_COMMAND(70, add_logs_command);

}  // namespace
}  // namespace edge
