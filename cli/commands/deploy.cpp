// edge deploy [IMAGE.tar]: upload to one node or a fleet, start, and check the service answers.
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>

#include "compile/incremental.hpp"
#include "commands/commands.hpp"
#include "deploy_node.hpp"
#include "deploy_pack.hpp"
#include "deploy_target.hpp"
#include "edge/core/image.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

struct DeployArgs {
  std::string image;
  std::string dir = ".";
  std::vector<std::string> env;
  std::string base_path;
  bool debug = false;
  deploy::NodeFlags nodes;
};

// "hello-v1" -> "/hello/v1", the base path mimik's tools use for an image of that name.
std::string default_base_path(const std::string& image_name) {
  static const std::regex versioned("^(.+)-(v[0-9]+)$");
  std::smatch m;
  if (std::regex_match(image_name, m, versioned)) return "/" + m[1].str() + "/" + m[2].str();
  return "/" + image_name;
}

// What to deploy, with the image bytes kept alive for the uploads.
struct Payload {
  std::vector<uint8_t> bytes;
  deploy::DeployRequest request;
  std::string version;
  std::string digest;
  fs::path project_root;
};

Result<Payload> prepare(const DeployArgs& args) {
  Payload p;
  std::optional<Manifest> manifest;
  if (auto root = find_project_root(args.dir); root) {
    p.project_root = *root;
    if (auto m = load_manifest(*root); m) manifest = *m;
  }
  if (args.image.empty()) {
    if (p.project_root.empty())
      return make_error(
          "no edge.yaml here, and no image given",
          "run `edge deploy` inside a project, or pass an image: `edge deploy deploy/hello-v1-1.0.0.tar`");
    auto packed =
        deploy::pack_project(args.dir, std::nullopt, args.debug ? build::Profile::Debug : build::Profile::Release);
    if (!packed) return packed.error();
    ui::step(fmt::format("packed {} ({}, {})", packed->image_path.filename().string(),
                         ui::human_size(packed->image.size()), packed->digest));
    p.bytes = std::move(packed->image);
    manifest = packed->manifest;
    p.request.filename = packed->image_path.filename().string();
  } else {
    std::ifstream in(args.image, std::ios::binary);
    if (!in) return make_error("cannot read " + args.image, "pass the path of an image made by `edge pack`");
    p.bytes.assign(std::istreambuf_iterator<char>(in), {});
    p.request.filename = fs::path(args.image).filename().string();
  }
  // Read it as the node will: refuse here what the node would refuse, and learn the name.
  auto image = read_image(p.bytes);
  if (!image) return make_error(p.request.filename + ": " + image.error().message, image.error().hint);
  p.request.image_name = image->name;
  p.version = image->version;
  p.digest = image->digest;

  // The project's settings apply when the image is the project's own.
  const bool own = manifest && manifest->image_name() == image->name;
  // An image of this project older than its sources or edge.yaml deploys code you have changed since.
  if (own && !args.image.empty()) {
    auto sources = build::expand_sources(p.project_root, manifest->build.sources);
    std::vector<fs::path> inputs = sources ? *sources : std::vector<fs::path>{};
    inputs.push_back(p.project_root / "edge.yaml");
    if (build::out_of_date(args.image, inputs))
      ui::warn(
          fmt::format("{} is older than the project's sources: it deploys the code as it was when packed "
                      "(run `edge deploy` without a file, or `edge pack` first)",
                      p.request.filename));
  }
  p.request.base_path = own ? manifest->base_path : default_base_path(image->name);
  if (own) p.request.env = manifest->env;
  if (!args.base_path.empty()) {
    if (auto st = validate_base_path(args.base_path); !st) return st.error();
    p.request.base_path = args.base_path;
  }
  for (const auto& kv : args.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error("--env `" + kv + "` is not KEY=VALUE", "write e.g. --env GREETING=hello");
    p.request.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  p.request.env.erase("MCM.BASE_API_PATH");  // set from base_path, never twice
  return p;
}

// Upload progress: a live percentage on a terminal for a single node, plain lines otherwise.
class Progress {
 public:
  Progress(bool fleet) : live_(!fleet && ui::interactive(2) && !ui::quiet()), fleet_(fleet) {}
  void operator()(const std::string& node, const std::string& step, size_t sent, size_t total) {
    if (ui::quiet()) return;
    std::lock_guard lock(mutex_);
    const std::string prefix = fleet_ ? node + ": " : "";
    if (step == "uploading") {
      if (live_) {
        fmt::print(stderr, "\r  uploading {:3}%  {} / {}   ", total ? sent * 100 / total : 0, ui::human_size(sent),
                   ui::human_size(total));
        return;
      }
      if (sent == 0)
        fmt::print(stderr, "  {}uploading {}{}\n", prefix, ui::human_size(total), fleet_ ? "" : " to " + node);
      return;
    }
    if (live_ && step == "uploaded") fmt::print(stderr, "\r\x1b[K");
    fmt::print(stderr, "  {}{}\n", prefix,
               step == "uploaded"   ? "uploaded"
               : step == "starting" ? "starting the service"
                                    : "checking that it answers");
  }

 private:
  std::mutex mutex_;
  bool live_;
  bool fleet_;
};

json outcome_json(const deploy::NodeOutcome& o) {
  json j = {{"node", o.node}, {"ok", o.ok}};
  if (o.ok) {
    j["url"] = o.service_url;
    j["status"] = o.service_status;
  } else {
    j["error"] = o.error.message;
    j["fix"] = o.error.hint;
  }
  if (!o.image.is_null()) j["imageResponse"] = o.image;
  if (!o.container.is_null()) j["container"] = o.container;
  return j;
}

// Which tier serves, as edge-node says in the container it started (`engine`); a real node does
// not say, and then neither do we.
std::string tier_phrase(const json& container) {
  const auto engine = container.is_object() ? container.value("engine", std::string()) : std::string();
  if (engine == "quick") return ", compiled by the quick tier; optimised code takes over when ready";
  if (engine == "aot") return ", optimised compiled code";
  if (engine == "interp") return ", on the interpreter";
  return "";
}

void print_table(const std::vector<deploy::NodeOutcome>& results) {
  size_t w = 4;
  for (const auto& r : results) w = std::max(w, r.node.size());
  fmt::print("{:<{}}  {:<6}  {}\n", "NODE", w, "RESULT", "URL / ERROR");
  for (const auto& r : results) {
    if (r.ok) fmt::print("{:<{}}  {}      {}\n", r.node, w, ui::green("ok", 1), r.service_url);
    else fmt::print("{:<{}}  {}  {}\n", r.node, w, ui::red("failed", 1), deploy::one_line(r.error));
  }
}

int run_deploy(const DeployArgs& args) {
  // Outside a project with nothing to deploy is a usage error, as for `edge pack` and `build`.
  if (args.image.empty() && !find_project_root(args.dir)) {
    deploy::print_failure(make_error("no edge.yaml here, and no image given",
                                     "run `edge deploy` inside a project, or pass an image: "
                                     "`edge deploy deploy/hello-v1-1.0.0.tar`"));
    return kExitUsage;
  }
  auto payload = prepare(args);
  if (!payload) {
    deploy::print_failure(payload.error());
    return kExitFailure;
  }
  payload->request.image = payload->bytes;  // the span points at bytes that live until we return
  auto targets = deploy::resolve_targets(args.nodes, payload->project_root);
  if (!targets) {
    deploy::print_failure(targets.error());
    return kExitUsage;
  }
  const bool fleet = targets->size() > 1;
  const auto timeouts = deploy::timeouts(args.nodes);
  Progress progress(fleet);
  auto reporter = [&](const std::string& node, const std::string& step, size_t sent, size_t total) {
    progress(node, step, sent, total);
  };

  // One thread per node: a slow or dead node costs its own timeout, not everyone's.
  std::vector<deploy::NodeOutcome> results(targets->size());
  std::vector<std::thread> workers;
  workers.reserve(targets->size());
  for (size_t i = 0; i < targets->size(); ++i)
    workers.emplace_back(
        [&, i] { results[i] = deploy::deploy_to_node((*targets)[i], timeouts, payload->request, reporter); });
  for (auto& t : workers) t.join();

  const size_t good = std::count_if(results.begin(), results.end(), [](const auto& r) { return r.ok; });
  const int code = good == results.size() ? kExitOk : kExitFailure;
  if (args.nodes.json) {
    json j = {{"image", payload->request.image_name},
              {"version", payload->version},
              {"digest", payload->digest},
              {"ok", code == kExitOk},
              {"results", json::array()}};
    for (const auto& r : results) j["results"].push_back(outcome_json(r));
    ui::print_json(j, 2);
    return code;
  }
  if (fleet) {
    print_table(results);
    if (!ui::quiet())
      fmt::print(stderr, "{} of {} nodes run {} {}\n", good, results.size(), payload->request.image_name,
                 payload->version);
    return code;
  }
  const auto& r = results.front();
  if (!r.ok) {
    deploy::print_failure(r.error);
    return code;
  }
  ui::success(fmt::format("deployed {} {} to {} (the service answers: HTTP {}{})", payload->request.image_name,
                          payload->version, r.node, r.service_status, tier_phrase(r.container)));
  fmt::print("{}\n", r.service_url);
  return code;
}

}  // namespace

void add_deploy_command(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<DeployArgs>();
  auto* cmd = app.add_subcommand("deploy", "Upload the image to a node (or a fleet), start it and check it answers");
  cmd->add_option("image", args->image, "An image (.tar); default: pack the current project first");
  cmd->add_option("-C,--dir", args->dir, "Project folder (default: the current one)");
  cmd->add_flag("--debug", args->debug, "When packing: ship the debug build (DWARF: trap backtraces show file:line)");
  cmd->add_option("--env", args->env, "Container environment KEY=VALUE (repeatable; adds to edge.yaml's env)")
      ->allow_extra_args(false);
  cmd->add_option("--base-path", args->base_path, "MCM.BASE_API_PATH (default edge.yaml's basePath, e.g. /hello/v1)");
  deploy::add_node_flags(cmd, args->nodes, /*fleet=*/true);
  cmd->footer(
      "Token: --token, $EDGE_TOKEN, .edgetoken (project, then home), or the local node's ~/.edge-node/token.\n"
      "Exit codes: 0 deployed everywhere, 1 some node failed, 2 usage error.");
  cmd->callback([args, &ctx] { ctx.exit_code = run_deploy(*args); });
}

}  // namespace edge
