// edge rm NAME [--image]: stop and remove a service from a node (and its image with --image).
#include <memory>

#include "command.hpp"
#include "deploy_target.hpp"
#include "ui.hpp"

namespace edge {
namespace {

struct RmArgs {
  std::string name;
  bool image = false;
  deploy::NodeFlags nodes;
};

int run_rm(const RmArgs& args) {
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
    deploy::print_failure(make_error("no service `" + args.name + "` on " + target->url,
                                     "`edge ls --node " + target->url + "` lists what is deployed"));
    return kExitFailure;
  }
  if (container) {
    std::string id = container->value("id", std::string());
    if (auto st = client.delete_container(id); !st) {
      deploy::print_failure(st.error());
      return kExitFailure;
    }
    ui::success("removed service " + container->value("name", id) + " from " + target->url);
  }
  if (image) {
    std::string id = image->value("id", std::string());
    if (auto st = client.delete_image(id); !st) {
      deploy::print_failure(st.error());
      return kExitFailure;
    }
    ui::success("removed image " + image->value("name", id) + " from " + target->url);
  }
  return kExitOk;
}

void add_rm_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<RmArgs>();
  auto* cmd = app.add_subcommand("rm", "Remove a service from a node (and its image with --image)");
  cmd->add_option("name", args->name, "The service: `hello`, `hello-v1` or the container id")->required();
  cmd->add_flag("--image", args->image, "Remove the image too");
  deploy::add_node_flags(cmd, args->nodes, /*fleet=*/false);
  cmd->callback([args, &ctx] { ctx.exit_code = run_rm(*args); });
}

EDGE_COMMAND(60, add_rm_command);

}  // namespace
}  // namespace edge
