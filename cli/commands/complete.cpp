// edge __complete templates|services: one value per line, for the completion scripts (hidden
// from help). Quiet and quick on failure: a node that does not answer within a second completes
// nothing rather than hanging the user's Tab key.
#include <fmt/core.h>

#include <memory>
#include <set>

#include "commands/commands.hpp"
#include "deploy_target.hpp"
#include "mcm_client.hpp"
#include "templates.hpp"

namespace edge {
namespace {

// The services on the node the other commands would talk to (the same defaults: EDGE_ENGINE_URI,
// the project's .edgetoken, the local node's token): `hello` and `hello-v1` for each.
void print_services() {
  deploy::NodeFlags flags;
  flags.connect_timeout = 1;
  flags.timeout = 2;
  auto target = deploy::resolve_single_target(flags, deploy::current_project_dir());
  if (!target) return;
  mcm::Client client(target->url, target->token, deploy::timeouts(flags), target->client_id, target->tls);
  auto containers = client.list_containers();
  if (!containers || !containers->is_array()) return;
  std::set<std::string> names;
  for (const auto& c : *containers) {
    const std::string name = c.value("name", "");
    if (name.empty()) continue;
    names.insert(name);
    names.insert(mcm::service_of(name));  // the short form rm and logs accept
  }
  for (const auto& n : names) fmt::print("{}\n", n);
}

}  // namespace

void add_complete_command(CLI::App& app, CommandContext& ctx) {
  auto kind = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("__complete", "Values for shell completion");
  cmd->group("");  // hidden: the completion scripts call it, people need not
  cmd->add_option("kind", *kind)->required()->check(CLI::IsMember({"templates", "services"}));
  cmd->callback([kind, &ctx] {
    if (*kind == "templates")
      for (const auto& t : templates::list()) fmt::print("{}\n", t.name);
    else print_services();
    ctx.exit_code = kExitOk;
  });
}

}  // namespace edge
