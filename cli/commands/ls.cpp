// edge ls: the services (containers) a node runs, with their URLs, and the images it holds.
#include <memory>

#include "commands/commands.hpp"
#include "deploy_target.hpp"
#include "ui.hpp"

namespace edge {
namespace {
using json = nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

int run_ls(const deploy::NodeFlags& flags) {
  auto target = deploy::resolve_single_target(flags, deploy::current_project_dir());
  if (!target) {
    deploy::print_failure(target.error());
    return kExitUsage;
  }
  mcm::Client client(target->url, target->token, deploy::timeouts(flags), target->client_id, target->tls);
  auto containers = client.list_containers();
  if (!containers) {
    deploy::print_failure(containers.error());
    return kExitFailure;
  }
  auto images = client.list_images();
  if (!images) {
    deploy::print_failure(images.error());
    return kExitFailure;
  }
  for (auto& c : *containers)
    if (c.is_object()) c["url"] = mcm::service_url(target->url, c, "");

  if (flags.json) {
    ui::print_json(json{{"node", target->url}, {"containers", *containers}, {"images", *images}}, 2);
    return kExitOk;
  }
  fmt::print("{}\n", ui::bold("SERVICES", 1));
  if (containers->empty()) fmt::print("  (none: deploy one with `edge deploy`)\n");
  for (const auto& c : *containers)
    fmt::print("  {:<24} {:<10} {}\n", str(c, "name"), str(c, "state").empty() ? str(c, "status") : str(c, "state"),
               str(c, "url"));
  fmt::print("{}\n", ui::bold("IMAGES", 1));
  if (images->empty()) fmt::print("  (none)\n");
  for (const auto& i : *images) {
    std::string tags;
    if (auto t = i.find("repoTags"); t != i.end() && t->is_array())
      for (const auto& tag : *t)
        if (tag.is_string()) tags += (tags.empty() ? "" : ",") + tag.get<std::string>();
    std::string size = str(i, "size");
    fmt::print("  {:<24} {:<32} {}\n", str(i, "name"), tags,
               size.empty() ? "" : ui::human_size(static_cast<size_t>(std::stoull(size))));
  }
  return kExitOk;
}

}  // namespace

void add_ls_command(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<deploy::NodeFlags>();
  auto* cmd = app.add_subcommand("ls", "List the services and images on a node");
  deploy::add_node_flags(cmd, *flags, /*fleet=*/false);
  cmd->callback([flags, &ctx] { ctx.exit_code = run_ls(*flags); });
}

}  // namespace edge
