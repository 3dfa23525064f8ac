#pragma once
// The node's state and the operations of the mCM API, independent of HTTP: image upload and
// removal, container start (deploy and redeploy) and removal, reload at start. Each operation
// answers with its JSON, or an Error whose kind (not found, invalid, conflict, refused...) the
// HTTP layer turns into a status (edge/core/http_status.hpp): nothing here speaks HTTP.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "edge/node/engine.hpp"
#include "module_cache.hpp"
#include "node_identity.hpp"
#include "service_table.hpp"
#include "storage_pool.hpp"
#include "stores.hpp"

namespace edge::node {

struct NodeOptions {
  std::filesystem::path data_dir;
  NodeIdentity identity;
  int port = 8083;
  NodeMetrics* metrics = nullptr;  // not owned, outlives the node (its services' series); null: no metrics
};

class Node {
 public:
  Node(NodeOptions options, std::unique_ptr<Engine> engine);
  // Opens the stores (cleaning up after a crash) and starts every stored container again.
  Status open();

  // Every mCM operation acts for one client id (the node's own with its token; with mim OE's API
  // key the x-client-id header's, or "api"): it sees and changes that client's images and
  // containers only, and its services answer under /<client>/...
  Result<nlohmann::json> upload_image(const std::string& client, std::span<const uint8_t> tar);
  Result<nlohmann::json> list_images(const std::string& client) const;
  Result<nlohmann::json> get_image(const std::string& client, const std::string& id) const;
  Result<nlohmann::json> delete_image(const std::string& client, const std::string& id);
  // The stored tar, or nullopt when there is no such image.
  std::optional<std::string> image_tarball(const std::string& client, const std::string& id) const;

  Result<nlohmann::json> start_container(const std::string& client, const nlohmann::json& request);
  Result<nlohmann::json> list_containers(const std::string& client) const;
  Result<nlohmann::json> get_container(const std::string& client, const std::string& id) const;
  Result<nlohmann::json> delete_container(const std::string& client, const std::string& id);
  // A fresh start of a container from its stored record (edge-node extension; the dashboard's
  // restart): its instances' state goes, its storage stays; the old one serves until the new starts.
  Result<nlohmann::json> restart_container(const std::string& client, const std::string& id);
  // The log file of a container (existing or not), nullopt for an unknown container.
  std::optional<std::filesystem::path> container_log(const std::string& client, const std::string& id) const;
  nlohmann::json stats_json() const;
  // Sets the figures of /metrics that only the node knows (each service's tier, the stores' sizes).
  void refresh_metrics();
  // A request whose handling threw (a bug in the node): logged and counted (stats: internalErrors).
  void report_internal_error(const std::string& what);
  // Abandons compiles in progress and starts none: the node is stopping.
  void stop_background_work();

  ServiceTable& services() { return services_; }
  const std::string& client_id() const { return options_.identity.client_id; }
  const std::string& engine_name() const { return engine_name_; }

 private:
  // Loads the container's image and module into a service ready to publish; no side effects.
  // `what_served`: the module the record names, kept in modules/ (at node start), not the image's.
  Result<std::shared_ptr<RunningService>> prepare(const ContainerRecord& record, bool what_served = false);
  // modules/<sha256>.wasm: the modules containers serve, by digest (ContainerRecord::module_sha256).
  std::filesystem::path served_module_path(const std::string& sha256) const;
  Status keep_served_module(const ImageRecord& image, const std::string& sha256);
  void forget_unserved_modules();
  // Prepares `record`, starts one instance (start before swap), stores the record and publishes
  // the service. Called with deploy_lock held; lets go of it while the module loads and starts.
  // 422 when it does not start: what served before keeps serving.
  Result<nlohmann::json> swap_in(const std::string& client, const ContainerRecord& record, const ImageRecord& image,
                                 bool restart, std::unique_lock<std::mutex>& deploy_lock);
  std::string state_of(const ContainerRecord& record) const;
  Status check_instantiable(std::span<const uint8_t> wasm, const std::string& digest);
  nlohmann::json container_json(const ContainerRecord& record) const;
  // Where a service's storage lives: by its owner (a client id) and its name.
  std::filesystem::path storage_file(const std::string& owner, const std::string& name) const;
  std::string owner_of(const std::string& record_client) const;  // empty (older records): the node's own
  std::optional<ImageRecord> find_image(const std::string& client, const std::string& ref) const;
  std::optional<ContainerRecord> find_container(const std::string& client, const std::string& ref) const;
  std::shared_ptr<FileServiceLog> log_for(const std::string& container_id);

  NodeOptions options_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Engine> check_engine_;  // uploads are checked on it (engines.hpp)
  std::string engine_name_;
  ImageStore images_;
  ContainerStore containers_;
  ServiceTable services_;
  ModuleCache modules_;                   // by module digest: services of one module share it
  std::shared_ptr<StoragePool> storage_;  // services' databases, opened when used
  std::mutex deploy_mu_;                  // one mCM change at a time: the stores and the table stay consistent
  mutable std::mutex aux_mu_;
  std::map<std::string, std::shared_ptr<FileServiceLog>> logs_;  // by container id
  std::map<std::string, std::string> failed_;                    // container id -> why
  std::set<std::string> checked_modules_;  // digests that passed upload's checks (bytes decide them)
  std::atomic<uint64_t> internal_errors_{0};
};

}  // namespace edge::node
