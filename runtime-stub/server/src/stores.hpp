#pragma once
// The node's persistent state in the data dir (docs/node.md, "Data dir"):
//   images/<id>.<sha>.tar  the uploaded docker-save tar, as received (named by its content)
//   images/<id>.json       its metadata naming that tar; written after it: the commit point
//   containers/<id>.json   one started container (name, image, env)
// Every write is atomic (write_file_atomic); on open, temp files and tars without metadata
// (an upload cut short by a crash) are removed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/result.hpp"
#include "name_index.hpp"

namespace edge::node {

struct ImageRecord {
  std::string id;                      // "<clientId>-<name>", e.g. "abc-hello-v1"
  std::string name;                    // "hello-v1"
  std::string version;                 // "1.0.0"
  std::vector<std::string> repo_tags;  // ["hello-v1:1.0.0"]
  std::string digest;                  // "sha256:..." of the image config
  std::string module_sha256;           // hex of index.wasm
  size_t size = 0;                     // tar bytes
  int64_t created = 0;                 // unix seconds
  std::string tar_file;                // file name in images/
  std::string client_id;               // whose it is; empty in records of older nodes: the node's own

  nlohmann::json to_api_json() const;  // the mCM shape (adds "runtime:wasm" and status)
  nlohmann::json to_store_json() const;
  static std::optional<ImageRecord> from_store_json(const nlohmann::json& j);
};

struct ContainerRecord {
  std::string id;                          // "<clientId>-<name>"
  std::string name;                        // "hello-v1"
  std::string image;                       // image name as given, "hello-v1"
  std::string image_id;                    // "<clientId>-hello-v1"
  std::map<std::string, std::string> env;  // with MCM.BASE_API_PATH already rewritten
  int64_t created = 0;
  std::string client_id;  // whose it is; empty in records of older nodes: the node's own
  // The module it serves (its SHA-256), kept in the data dir's modules/ while it does: an upload
  // may replace the image under the same name before the new version proves it starts, and a
  // node restarted then serves what served before. Empty in records of older nodes.
  std::string module_sha256;

  nlohmann::json to_api_json(const std::string& client_id, const std::string& state) const;
  nlohmann::json to_store_json() const;
  static std::optional<ContainerRecord> from_store_json(const nlohmann::json& j);
};

class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status open();  // creates the folder, cleans up leftovers, loads metadata

  std::vector<ImageRecord> list() const;
  std::optional<ImageRecord> find(const std::string& id_or_name) const;
  std::vector<ImageRecord> named(const std::string& name) const;  // every client's image of that name
  Status put(const ImageRecord& record, std::span<const uint8_t> tar);
  Status remove(const std::string& id);
  Result<std::string> tar_bytes(const std::string& id) const;

 private:
  std::filesystem::path meta_path(const std::string& id) const { return dir_ / (id + ".json"); }
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::string, ImageRecord> images_;
  NameIndex by_name_;
};

class ContainerStore {
 public:
  explicit ContainerStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status open();

  std::vector<ContainerRecord> list() const;
  std::optional<ContainerRecord> find(const std::string& id_or_name) const;
  std::vector<ContainerRecord> named(const std::string& name) const;  // every client's container of that name
  Status put(const ContainerRecord& record);
  Status remove(const std::string& id);

 private:
  std::filesystem::path path(const std::string& id) const { return dir_ / (id + ".json"); }
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::string, ContainerRecord> containers_;
  NameIndex by_name_;
};

}  // namespace edge::node
