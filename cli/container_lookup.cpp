#include "container_lookup.hpp"

#include "commands/commands.hpp"

namespace edge::deploy {

std::variant<ContainerLookup, LookupFailure> find_container(const NodeFlags& flags, const std::string& name) {
  auto target = resolve_single_target(flags, current_project_dir());
  if (!target) return LookupFailure{target.error(), kExitUsage};
  mcm::Client client(target->url, target->token, timeouts(flags), target->client_id, target->tls);
  auto containers = client.list_containers();
  if (!containers) return LookupFailure{containers.error(), kExitFailure};
  auto container = mcm::find_by_name(*containers, name);
  return ContainerLookup{std::move(*target), std::move(client), std::move(container)};
}

Error no_such_service(const std::string& name, const std::string& node_url) {
  return make_error(ErrorKind::NotFound, "no service `" + name + "` on " + node_url,
                    "`edge ls --node " + node_url + "` lists what is deployed");
}

}  // namespace edge::deploy
