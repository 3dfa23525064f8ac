#pragma once
// Deploying one image to one node: upload, start, check that the service answers.
// `edge deploy` runs this once per node, in parallel for a fleet.
#include <functional>
#include <map>
#include <span>
#include <string>

#include "deploy_target.hpp"
#include "mcm_client.hpp"

namespace edge::deploy {

struct DeployRequest {
  std::span<const uint8_t> image;          // the .tar bytes
  std::string filename;                    // "hello-v1-1.0.0.tar" (the multipart part's filename)
  std::string image_name;                  // "hello-v1": container name and image name
  std::string base_path;                   // "/hello/v1" (MCM.BASE_API_PATH before the node prefixes it)
  std::map<std::string, std::string> env;  // everything else the container gets
};

struct NodeOutcome {
  std::string node;  // normalised node URL
  bool ok = false;
  std::string service_url;  // http://node/<clientId>/<name>/v1/
  int service_status = 0;   // HTTP status of the check GET
  Error error;              // when !ok
  nlohmann::json image;     // the node's answers, for --json
  nlohmann::json container;
};

// Progress events: "uploading" (with sent/total), "uploaded", "starting", "started", "checking".
using StepReporter = std::function<void(const std::string& node, const std::string& step, size_t sent, size_t total)>;

NodeOutcome deploy_to_node(const Target& target, const mcm::Timeouts& timeouts, const DeployRequest& request,
                           const StepReporter& report);

}  // namespace edge::deploy
