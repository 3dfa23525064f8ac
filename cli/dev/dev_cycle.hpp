#pragma once
// One turn of `edge dev`'s loop: build (incremental), validate, pack in memory, deploy to the
// node. A failed build or an invalid module leaves the node alone, so the previous version
// keeps serving.
#include <filesystem>
#include <string>

#include "compile/project_build.hpp"
#include "deploy_target.hpp"

namespace edge::dev {

struct CycleOutcome {
  bool deployed = false;
  std::string service_url;     // http://127.0.0.1:P/<clientId>/<name>/v1/
  std::string container_id;    // <clientId>-<name>-v1
  std::string image_name;      // hello-v1
  bool module_changed = true;  // false: the build produced the same module, nothing was redeployed
  double build_seconds = 0;    // compile + link + validate
  double deploy_seconds = 0;   // upload + start + the check that it answers
};

class DevCycle {
 public:
  DevCycle(std::filesystem::path project_root, build::Profile profile, deploy::Target target)
      : root_(std::move(project_root)), profile_(profile), target_(std::move(target)) {}

  // Prints what goes wrong (compiler output, validation problems, deploy errors) itself.
  CycleOutcome run();

 private:
  std::filesystem::path root_;
  build::Profile profile_;
  deploy::Target target_;
  std::vector<uint8_t> last_deployed_;  // the image bytes now serving (skip identical redeploys)
  std::string last_env_;                // ...and the env they were started with
  CycleOutcome last_;
};

}  // namespace edge::dev
