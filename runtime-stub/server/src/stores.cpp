#include "stores.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "atomic_file.hpp"
#include "edge/core/json_text.hpp"

namespace edge::node {
namespace fs = std::filesystem;
using nlohmann::json;

// ---- records ---------------------------------------------------------------------------------

json ImageRecord::to_api_json() const {
  json tags = repo_tags;
  tags.push_back("runtime:wasm");
  return {{"created", created},
          {"digest", digest},
          {"id", id},
          {"name", name},
          {"repoTags", tags},
          {"size", size},
          {"status", "successfully deployed"},
          {"version", version}};
}

json ImageRecord::to_store_json() const {
  return {{"id", id},
          {"name", name},
          {"version", version},
          {"repoTags", repo_tags},
          {"digest", digest},
          {"moduleSha256", module_sha256},
          {"size", size},
          {"created", created},
          {"tarFile", tar_file},
          {"clientId", client_id}};
}

std::optional<ImageRecord> ImageRecord::from_store_json(const json& j) {
  try {
    ImageRecord r;
    r.id = j.at("id");
    r.name = j.at("name");
    r.version = j.value("version", "");
    r.repo_tags = j.value("repoTags", std::vector<std::string>{});
    r.digest = j.value("digest", "");
    r.module_sha256 = j.value("moduleSha256", "");
    r.size = j.value("size", size_t{0});
    r.created = j.value("created", int64_t{0});
    r.tar_file = j.at("tarFile");
    r.client_id = j.value("clientId", "");
    if (r.tar_file.find('/') != std::string::npos) return std::nullopt;
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

json ContainerRecord::to_api_json(const std::string& client_id, const std::string& state) const {
  return {{"clientId", client_id},
          {"created", created},
          {"env", env},
          {"id", id},
          {"image", image},
          {"imageId", image_id},
          {"name", name},
          {"state", state},
          {"status", state == "started" ? "up" : "down"}};
}

json ContainerRecord::to_store_json() const {
  return {{"id", id},   {"name", name},       {"image", image},        {"imageId", image_id},
          {"env", env}, {"created", created}, {"clientId", client_id}, {"moduleSha256", module_sha256}};
}

std::optional<ContainerRecord> ContainerRecord::from_store_json(const json& j) {
  try {
    ContainerRecord r;
    r.id = j.at("id");
    r.name = j.at("name");
    r.image = j.at("image");
    r.image_id = j.at("imageId");
    r.env = j.value("env", std::map<std::string, std::string>{});
    r.created = j.value("created", int64_t{0});
    r.client_id = j.value("clientId", "");
    r.module_sha256 = j.value("moduleSha256", "");
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

// ---- shared helpers ------------------------------------------------------------------------------

namespace {

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error("cannot create " + dir.string() + ": " + ec.message(), "check the data dir's permissions");
  remove_leftover_temp_files(dir);
  return ok();
}

// Moves a record the node cannot read, and the files that belong with it, to
// <data-dir>/quarantine/<store>/ for an operator to look at: nothing stored is deleted because
// one field was damaged.
void quarantine(const fs::path& record, const std::vector<fs::path>& with, const std::string& why) {
  const fs::path dir = record.parent_path().parent_path() / "quarantine" / record.parent_path().filename();
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const auto& file : with) fs::rename(file, dir / file.filename(), ec);
  fs::rename(record, dir / record.filename(), ec);
  fmt::print(stderr, "edge-node: {} {}: moved to {}{}\n", why, record.string(), dir.string(),
             ec ? " failed (" + ec.message() + "); left in place" : std::string());
}

std::optional<json> read_json_file(const fs::path& p) {
  auto text = read_whole_file(p);
  if (!text) return std::nullopt;
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

// ---- images --------------------------------------------------------------------------------------

Status ImageStore::open() {
  if (auto st = ensure_dir(dir_); !st) return st;
  std::lock_guard lock(mu_);
  std::error_code ec;
  std::vector<fs::path> records, tars;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".json") records.push_back(entry.path());
    if (entry.path().extension() == ".tar") tars.push_back(entry.path());
  }
  for (const fs::path& p : records) {
    const std::string id = p.stem().string();
    auto j = read_json_file(p);
    auto rec = j ? ImageRecord::from_store_json(*j) : std::nullopt;
    if (!rec || rec->id != id || !fs::exists(dir_ / rec->tar_file)) {
      // Its tars are "<id>.<sha>.<size>.tar": they go with it.
      std::vector<fs::path> own;
      for (const auto& tar : tars) {
        const std::string name = tar.filename().string();
        if (name.starts_with(id + ".") && std::count(name.begin() + long(id.size()) + 1, name.end(), '.') == 2)
          own.push_back(tar);
      }
      quarantine(p, own, rec && rec->id == id ? "image record naming a missing tar" : "unreadable image record");
      continue;
    }
    images_[id] = *rec;
    by_name_.add(rec->name, id);
  }
  // A tar no metadata names is an upload a crash interrupted (it never existed) or the previous
  // version of a replaced image whose removal was interrupted.
  std::set<std::string> referenced;
  for (const auto& [id, r] : images_) referenced.insert(r.tar_file);
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".tar" && !referenced.contains(p.filename().string())) (void)remove_file_durable(p);
  }
  return ok();
}

std::vector<ImageRecord> ImageStore::list() const {
  std::lock_guard lock(mu_);
  std::vector<ImageRecord> out;
  out.reserve(images_.size());
  for (const auto& [id, r] : images_) out.push_back(r);
  return out;
}

std::optional<ImageRecord> ImageStore::find(const std::string& id_or_name) const {
  std::lock_guard lock(mu_);
  if (auto it = images_.find(id_or_name); it != images_.end()) return it->second;
  if (const auto& ids = by_name_.ids(id_or_name); !ids.empty()) return images_.at(*ids.begin());
  return std::nullopt;
}

std::vector<ImageRecord> ImageStore::named(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<ImageRecord> out;
  for (const auto& id : by_name_.ids(name)) out.push_back(images_.at(id));
  return out;
}

Status ImageStore::put(const ImageRecord& record, std::span<const uint8_t> tar) {
  std::lock_guard lock(mu_);
  // Tar first (under a name of its own), metadata last: until the metadata rename lands, the old
  // image, if any, is untouched; after it, the new one is complete. Then the old tar goes.
  ImageRecord stored = record;
  stored.tar_file = record.id + "." + record.module_sha256.substr(0, 16) + "." + std::to_string(record.size) + ".tar";
  auto previous = images_.find(record.id);
  std::string previous_tar = previous == images_.end() ? "" : previous->second.tar_file;
  if (auto st = write_file_atomic(dir_ / stored.tar_file, tar); !st) return st;
  if (auto st = write_file_atomic(meta_path(record.id), edge::json_text(stored.to_store_json(), 2)); !st) {
    if (previous_tar != stored.tar_file) (void)remove_file_durable(dir_ / stored.tar_file);
    return st;
  }
  if (previous != images_.end()) by_name_.remove(previous->second.name, record.id);
  images_[record.id] = stored;
  by_name_.add(stored.name, record.id);
  if (!previous_tar.empty() && previous_tar != stored.tar_file) (void)remove_file_durable(dir_ / previous_tar);
  return ok();
}

Status ImageStore::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  // Metadata first: from then on the image is gone even if the tar's removal is interrupted.
  auto it = images_.find(id);
  if (it == images_.end()) return make_error("no image " + id);
  if (auto st = remove_file_durable(meta_path(id)); !st) return st;
  (void)remove_file_durable(dir_ / it->second.tar_file);
  by_name_.remove(it->second.name, id);
  images_.erase(it);
  return ok();
}

Result<std::string> ImageStore::tar_bytes(const std::string& id) const {
  std::lock_guard lock(mu_);  // held while reading: a concurrent replace must not delete the file under us
  auto it = images_.find(id);
  if (it == images_.end()) return make_error("no image " + id);
  return read_whole_file(dir_ / it->second.tar_file);
}

// ---- containers ----------------------------------------------------------------------------------

Status ContainerStore::open() {
  if (auto st = ensure_dir(dir_); !st) return st;
  std::lock_guard lock(mu_);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".json") continue;
    auto j = read_json_file(p);
    auto rec = j ? ContainerRecord::from_store_json(*j) : std::nullopt;
    if (!rec || rec->id != p.stem().string()) {
      quarantine(p, {}, "unreadable container record");
      continue;
    }
    containers_[rec->id] = *rec;
    by_name_.add(rec->name, rec->id);
  }
  return ok();
}

std::vector<ContainerRecord> ContainerStore::list() const {
  std::lock_guard lock(mu_);
  std::vector<ContainerRecord> out;
  out.reserve(containers_.size());
  for (const auto& [id, r] : containers_) out.push_back(r);
  return out;
}

std::optional<ContainerRecord> ContainerStore::find(const std::string& id_or_name) const {
  std::lock_guard lock(mu_);
  if (auto it = containers_.find(id_or_name); it != containers_.end()) return it->second;
  if (const auto& ids = by_name_.ids(id_or_name); !ids.empty()) return containers_.at(*ids.begin());
  return std::nullopt;
}

std::vector<ContainerRecord> ContainerStore::named(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<ContainerRecord> out;
  for (const auto& id : by_name_.ids(name)) out.push_back(containers_.at(id));
  return out;
}

Status ContainerStore::put(const ContainerRecord& record) {
  std::lock_guard lock(mu_);
  if (auto st = write_file_atomic(path(record.id), edge::json_text(record.to_store_json(), 2)); !st) return st;
  if (auto it = containers_.find(record.id); it != containers_.end()) by_name_.remove(it->second.name, record.id);
  containers_[record.id] = record;
  by_name_.add(record.name, record.id);
  return ok();
}

Status ContainerStore::remove(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto st = remove_file_durable(path(id)); !st) return st;
  if (auto it = containers_.find(id); it != containers_.end()) {
    by_name_.remove(it->second.name, id);
    containers_.erase(it);
  }
  return ok();
}

}  // namespace edge::node
