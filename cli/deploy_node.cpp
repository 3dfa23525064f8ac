#include "deploy_node.hpp"

namespace edge::deploy {

NodeOutcome deploy_to_node(const Target& target, const mcm::Timeouts& timeouts, const DeployRequest& request,
                           const StepReporter& report) {
  NodeOutcome out;
  out.node = target.url;
  auto step = [&](const char* what, size_t sent = 0, size_t total = 0) {
    if (report) report(target.url, what, sent, total);
  };
  mcm::Client client(target.url, target.token, timeouts, target.client_id, target.tls);

  step("uploading", 0, request.image.size());
  // Progress in image bytes (the multipart envelope adds a few hundred bytes nobody cares about).
  const size_t image_bytes = request.image.size();
  auto uploaded = client.upload_image(request.image, request.filename, [&](size_t sent, size_t total) {
    step("uploading", total ? static_cast<size_t>(static_cast<double>(sent) / total * image_bytes) : 0, image_bytes);
  });
  if (!uploaded) {
    out.error = uploaded.error();
    return out;
  }
  out.image = *uploaded;
  step("uploaded");

  // The node replaces a running container of the same name only once the new one has started,
  // so a failed start leaves the previous version serving.
  nlohmann::json env = nlohmann::json::object();
  for (const auto& [k, v] : request.env) env[k] = v;
  env["MCM.BASE_API_PATH"] = request.base_path;
  const nlohmann::json body = {{"name", request.image_name}, {"image", request.image_name}, {"env", env}};
  step("starting");
  auto started = client.start_container(body);
  if (!started) {
    out.error = started.error();
    return out;
  }
  out.container = *started;
  out.service_url = mcm::service_url(target.url, *started, request.base_path);

  step("checking");
  auto answer = client.get_public(out.service_url.substr(target.url.size()));
  if (!answer) {
    out.error =
        make_error("the service was started but " + out.service_url + " did not answer: " + answer.error().message,
                   "see `edge logs " + request.image_name + " --node " + target.url + "`");
    return out;
  }
  out.service_status = answer->status;
  if (answer->status >= 500) {
    out.error =
        make_error("the service was started but " + out.service_url + " answers HTTP " + std::to_string(answer->status),
                   "see `edge logs " + request.image_name + " --node " + target.url + "`");
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace edge::deploy
