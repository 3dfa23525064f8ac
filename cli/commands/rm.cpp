// edge rm NAME [--image]: stop and remove a service from a node (and its image with --image).
#include <fmt/core.h>

#include <memory>
#include <variant>

#include "commands/commands.hpp"
#include "dev/completion_scripts.hpp"
#include "container_lookup.hpp"
#include "ui.hpp"

namespace edge {
namespace {

struct RmArgs {
  std::string name;
  bool image = false;
  deploy::NodeFlags nodes;
};

int run_rm(const RmArgs& args) {
  auto found = deploy::find_container(args.nodes, args.name);
  if (auto* failed = std::get_if<deploy::LookupFailure>(&found)) {
    deploy::print_failure(failed->error);
    return failed->exit_code;
  }
  auto& [target, client, container] = std::get<deploy::ContainerLookup>(found);
  std::optional<nlohmann::json> image;
  if (args.image) {
    auto images = client.list_images();
    if (!images) {
      deploy::print_failure(images.error());
      return kExitFailure;
    }
    image = mcm::find_by_name(*images, args.name);
  }
  if (!container && !image) {
    deploy::print_failure(deploy::no_such_service(args.name, target.url));
    return kExitFailure;
  }
  nlohmann::json removed = {{"node", target.url}, {"container", nullptr}, {"image", nullptr}};
  if (container) {
    std::string id = container->value("id", std::string());
    if (auto st = client.delete_container(id); !st) {
      deploy::print_failure(st.error());
      return kExitFailure;
    }
    removed["container"] = id;
    if (!args.nodes.json) ui::success("removed service " + container->value("name", id) + " from " + target.url);
  }
  if (image) {
    std::string id = image->value("id", std::string());
    if (auto st = client.delete_image(id); !st) {
      deploy::print_failure(st.error());
      return kExitFailure;
    }
    removed["image"] = id;
    if (!args.nodes.json) ui::success("removed image " + image->value("name", id) + " from " + target.url);
  }
  if (args.nodes.json) ui::print_json(removed);
  return kExitOk;
}

}  // namespace

void add_rm_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<RmArgs>();
  auto* cmd = app.add_subcommand("rm", "Remove a service from a node (and its image with --image)");
  cmd->add_option("name", args->name, "The service: `hello`, `hello-v1` or the container id")
      ->required()
      ->check(dev::completes("services"));
  cmd->add_flag("--image", args->image, "Remove the image too");
  deploy::add_node_flags(cmd, args->nodes, /*fleet=*/false);
  cmd->callback([args, &ctx] { ctx.exit_code = run_rm(*args); });
}

}  // namespace edge
