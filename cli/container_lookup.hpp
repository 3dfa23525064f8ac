#pragma once
// What `edge rm` and `edge logs` both do before acting on one service: pick the single node,
// connect to it, and find the container the user named. Kept in one place so that both commands
// accept the same names and fail with the same messages and exit codes.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "deploy_target.hpp"
#include "edge/core/result.hpp"
#include "mcm_client.hpp"

namespace edge::deploy {

struct ContainerLookup {
  Target target;
  mcm::Client client;                       // connected to target, for the command's next calls
  std::optional<nlohmann::json> container;  // empty: the node runs no container of that name
};

// Why the lookup could not even ask, and the exit code the command ends with: kExitUsage when
// no single node could be chosen, kExitFailure when the node did not list its containers.
struct LookupFailure {
  Error error;
  int exit_code;
};

// Resolves the one node of `flags` and looks up `name` ("hello", "hello-v1" or the container
// id) among its containers. A missing container is not a failure: rm may still remove the image.
std::variant<ContainerLookup, LookupFailure> find_container(const NodeFlags& flags, const std::string& name);

// "no service `name` on <node>", with the command that lists what is there.
Error no_such_service(const std::string& name, const std::string& node_url);

}  // namespace edge::deploy
