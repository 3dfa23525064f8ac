#include "dev/dev_cycle.hpp"

#include <chrono>
#include <fstream>
#include <iterator>

#include "compile/report_output.hpp"
#include "deploy_node.hpp"
#include "edge/core/image.hpp"
#include "ui.hpp"

namespace edge::dev {
namespace fs = std::filesystem;

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

CycleOutcome DevCycle::run() {
  const auto t0 = std::chrono::steady_clock::now();
  build::BuildOptions options;
  options.start_dir = root_;
  options.profile = profile_;
  auto built = build::build_project(options);  // prints the compiler's own output
  if (!built) {
    ui::error(built.error());
    return {};
  }
  if (!built->report.ok()) {
    ui::error(fmt::format("{} is not a valid edgeEngine module:", built->wasm.filename().string()));
    build::print_problems(built->report);
    return {};
  }
  std::ifstream in(built->wasm, std::ios::binary);
  std::vector<uint8_t> module((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (module.empty()) {
    ui::error("cannot read " + built->wasm.string(), "run `edge build` to see what is wrong");
    return {};
  }
  const Manifest& m = built->manifest;
  const auto image = write_image({m.image_name(), m.version, std::move(module)});

  deploy::DeployRequest request;
  request.image = image;
  request.filename = m.image_file();
  request.image_name = m.image_name();
  request.base_path = m.base_path;
  request.env = m.env;
  request.env.erase("MCM.BASE_API_PATH");
  std::string env_key = m.base_path;
  for (const auto& [k, v] : request.env) env_key.append("\n").append(k).append("=").append(v);

  // A save that changes nothing the module depends on (a comment, a touch) needs no redeploy.
  if (last_.deployed && image == last_deployed_ && env_key == last_env_ && last_.image_name == m.image_name()) {
    CycleOutcome same = last_;
    same.module_changed = false;
    return same;
  }

  const double build_seconds = since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  auto outcome = deploy::deploy_to_node(target_, mcm::Timeouts{3, 30}, request, {});
  if (!outcome.ok) {
    ui::error(outcome.error);
    return {};
  }
  CycleOutcome out;
  out.deployed = true;
  out.build_seconds = build_seconds;
  out.deploy_seconds = since(t1);
  out.service_url = outcome.service_url;
  out.image_name = m.image_name();
  out.container_id = outcome.container.value("id", std::string());
  last_deployed_ = image;
  last_env_ = env_key;
  last_ = out;
  return out;
}

}  // namespace edge::dev
