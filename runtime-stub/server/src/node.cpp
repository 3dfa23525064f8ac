#include "node.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "edge/core/image.hpp"
#include "edge/core/wasm_inspect.hpp"
#include "atomic_file.hpp"
#include "engines.hpp"
#include "node_log.hpp"

namespace edge::node {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 128 || s[0] == '.' || s[0] == '-') return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

// A base path: "/seg[/seg...]" with URL-safe segments, no "." or ".." segments.
bool valid_base_path(const std::string& p) {
  if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
  size_t start = 1;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string seg = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || !valid_name(seg + "x")) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

std::optional<uint64_t> parse_uint(const std::string& s) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Limits and preopens from the container env (docs/node.md, "Limits").
Result<Limits> limits_from_env(const std::map<std::string, std::string>& env) {
  Limits limits;
  auto read = [&](const char* key, uint64_t min, uint64_t max) -> Result<std::optional<uint64_t>> {
    auto it = env.find(key);
    if (it == env.end()) return std::optional<uint64_t>();
    auto v = parse_uint(it->second);
    if (!v || *v < min || *v > max)
      return make_error(fmt::format("env {}='{}' is not a whole number from {} to {}", key, it->second, min, max),
                        fmt::format("set {} to a number in that range or leave it out for the default", key));
    return v;
  };
  auto time = read("MCM.MAX_EXECUTION_TIME_SEC", 1, 3600);
  if (!time) return time.error();
  if (*time) limits.wall_time = std::chrono::seconds(**time);
  auto mem = read("EDGE_MAX_MEMORY_MB", 1, 4096);
  if (!mem) return mem.error();
  if (*mem) limits.max_memory_pages = static_cast<uint32_t>(**mem * 16);  // 64 KiB pages
  auto body = read("EDGE_MAX_BODY_BYTES", 0, 64u << 20);
  if (!body) return body.error();
  if (*body) limits.max_request_body_bytes = **body;
  auto concurrency = read("MCM.MAX_CONCURRENCY", 1, 256);
  if (!concurrency) return concurrency.error();
  if (*concurrency) limits.max_concurrency = static_cast<uint32_t>(**concurrency);
  auto storage_mb = read("EDGE_STORAGE_MAX_MB", 1, 1u << 20);
  if (!storage_mb) return storage_mb.error();
  if (*storage_mb) limits.max_storage_bytes = **storage_mb << 20;
  auto storage_keys = read("EDGE_STORAGE_MAX_KEYS", 1, 100'000'000);
  if (!storage_keys) return storage_keys.error();
  if (*storage_keys) limits.max_storage_keys = **storage_keys;
  auto files = read("EDGE_MAX_OPEN_FILES", 1, 4096);
  if (!files) return files.error();
  if (*files) limits.max_open_files = static_cast<uint32_t>(**files);
  auto service_files = read("EDGE_MAX_SERVICE_OPEN_FILES", 1, 65536);
  if (!service_files) return service_files.error();
  if (*service_files) limits.max_service_open_files = static_cast<uint32_t>(**service_files);
  return limits;
}

Result<std::vector<Preopen>> preopens_from_env(const std::map<std::string, std::string>& env) {
  std::vector<Preopen> out;
  auto it = env.find("EDGE_PREOPEN_DIRS");
  if (it == env.end() || it->second.empty()) return out;
  const std::string& spec = it->second;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t sep = item.find("::");
    Preopen p;
    p.host = item.substr(0, sep);
    p.guest = sep == std::string::npos ? item : item.substr(sep + 2);
    std::error_code ec;
    if (p.host.empty() || !p.host.is_absolute() || !fs::is_directory(p.host, ec) || p.guest.empty())
      return make_error(
          "EDGE_PREOPEN_DIRS entry '" + item + "' is not HOSTDIR::GUESTDIR with an existing absolute HOSTDIR",
          "grant directories as /abs/host/dir::/guest/dir, separated by commas");
    out.push_back(std::move(p));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Node::Node(NodeOptions options, std::unique_ptr<Engine> engine)
    : options_(std::move(options)),
      engine_(std::move(engine)),
      check_engine_(make_check_engine()),
      engine_name_(engine_ ? std::string(engine_->name()) : "none"),
      images_(options_.data_dir / "images"),
      containers_(options_.data_dir / "containers"),
      storage_(StoragePool::make(open_service_storage)) {}

Status Node::open() {
  if (auto st = images_.open(); !st) return st;
  if (auto st = containers_.open(); !st) return st;
  for (const char* sub : {"logs", "storage", "modules"}) {
    std::error_code ec;
    fs::create_directories(options_.data_dir / sub, ec);
  }
  remove_leftover_temp_files(options_.data_dir / "modules");
  for (const auto& record : containers_.list()) {
    auto service = prepare(record, /*what_served=*/true);
    if (!service) {
      std::lock_guard lock(aux_mu_);
      failed_[record.id] = service.error().to_string();
      fmt::print(stderr, "edge-node: container {} did not start: {}\n", record.id, service.error().to_string());
      continue;
    }
    services_.publish(*service);
    say(fmt::format("serving {} at {}", record.name, (*service)->base_path));
  }
  return ok();
}

// ---- images ----------------------------------------------------------------------------------

Result<json> Node::upload_image(const std::string& client, std::span<const uint8_t> tar) {
  auto image = read_image(tar);
  if (!image) return make_error(ErrorKind::Invalid, "not a valid image: " + image.error().message, image.error().hint);
  // The name becomes part of file names and URLs: nothing but a plain name gets through.
  if (!valid_name(image->name))
    return make_error(ErrorKind::Invalid, "not a valid image: its name '" + image->name + "' is not a plain name",
                      "name images like hello-v1 (letters, digits, '-', '_', '.'), as edge pack does");
  if (image->index_file != "index.wasm")
    return make_error(ErrorKind::Refused,
                      "the image holds " + image->index_file + "; this node runs WebAssembly services only",
                      "pack a .wasm module (edge pack) instead of a JavaScript service");
  const std::string module_sha256 = sha256_hex(image->module);
  // A module this node has validated and instantiated before passes again: the checks depend
  // on its bytes alone, and a thousand services of one module are a thousand uploads of it.
  const bool checked = [&] {
    std::lock_guard lock(aux_mu_);
    return checked_modules_.contains(module_sha256);
  }();
  if (!checked) {
    auto report = validate_module(image->module);
    if (!report.ok()) {
      std::string first = report.problems.empty() ? "not a readable Wasm module" : report.problems.front().to_string();
      auto error = make_error(ErrorKind::Refused, "index.wasm fails validation: " + first,
                              "run `edge validate` on the module and fix what it reports");
      for (const auto& p : report.problems) error.details.push_back(p.to_string());
      return error;
    }
  }
  ImageRecord record;
  record.name = image->name;
  record.id = client + "-" + image->name;
  record.client_id = client;
  record.version = image->version;
  record.repo_tags = image->repo_tags;
  record.digest = image->digest;
  record.module_sha256 = module_sha256;
  record.size = tar.size();
  record.created = unix_now();
  if (!checked) {
    if (auto st = check_instantiable(image->module, record.module_sha256); !st) return st.error();
    std::lock_guard lock(aux_mu_);
    checked_modules_.insert(module_sha256);
  }
  std::lock_guard lock(deploy_mu_);
  // Ids are "<client>-<name>", as on real nodes: client "a" with "b-c" and client "a-b" with "c"
  // would share one. The first keeps it.
  if (auto existing = images_.find(record.id);
      existing && existing->id == record.id && owner_of(existing->client_id) != client)
    return make_error(ErrorKind::Conflict, "image id " + record.id + " belongs to another client of this node",
                      "choose another image name");
  if (auto st = images_.put(record, tar); !st)
    return make_error(ErrorKind::Internal, st.error().message, st.error().hint);
  return images_.find(record.id)->to_api_json();
}

// What no container env can fix is refused at upload rather than at start: a module that cannot
// be instantiated (a data segment or element out of bounds, a start function that traps...).
// The check gives it every page of memory a container could allow and a short time: what its
// initialisation does with the env, the preopens and the limits is judged at start.
Status Node::check_instantiable(std::span<const uint8_t> wasm, const std::string& digest) {
  auto module = check_engine_->load(wasm, digest);
  if (!module)
    return make_error(ErrorKind::Refused, "index.wasm does not load: " + module.error().message, module.error().hint);
  ServiceContext probe;
  probe.name = "upload-check";
  probe.limits.max_memory_pages = 65536;  // EDGE_MAX_MEMORY_MB's maximum, 4 GiB
  probe.limits.wall_time = std::chrono::seconds(1);
  auto failure = (*module)->check_start(probe);
  if (!failure || failure->kind != ExecFailure::Kind::BadModule) return ok();
  return make_error(ErrorKind::Refused, "index.wasm cannot start on any node: " + failure->message,
                    "fix the module (its data or element segments, its memory or table declarations) and build again");
}

// The node's own client keeps storage/<name>.sqlite (as before clients); every other client a
// folder of its own, storage/clients/c-<client>/<name>.sqlite. (They were storage/<client>-<name>,
// which the own client's name can spell too: mim OE's client `team` with its container `kv-v1`
// and a container `team-kv-v1` shared one file. Such a file moves on first use; the "c-" keeps a
// client id such as ".." a plain folder name.)
fs::path Node::storage_file(const std::string& owner, const std::string& name) const {
  const fs::path storage = options_.data_dir / "storage";
  if (owner == client_id()) return storage / (name + ".sqlite");
  const fs::path file = storage / "clients" / ("c-" + owner) / (name + ".sqlite");
  std::error_code ec;
  const fs::path legacy = storage / (owner + "-" + name + ".sqlite");
  if (!fs::exists(file, ec) && fs::exists(legacy, ec)) {
    fs::create_directories(file.parent_path(), ec);
    for (const char* suffix : {"", "-wal", "-shm"})
      if (fs::exists(legacy.string() + suffix, ec)) fs::rename(legacy.string() + suffix, file.string() + suffix, ec);
  } else {
    fs::create_directories(file.parent_path(), ec);
  }
  return file;
}

std::string Node::owner_of(const std::string& record_client) const {
  return record_client.empty() ? client_id() : record_client;
}

// A client's record by its id, by "<client>-<ref>" or by its name; never another client's.
template <class Store>
static auto find_for(const Store& store, const std::string& client, const std::string& ref,
                     const std::function<std::string(const std::string&)>& owner) {
  if (auto r = store.find(client + "-" + ref); r && owner(r->client_id) == client) return r;
  if (auto r = store.find(ref); r && r->id == ref && owner(r->client_id) == client) return r;
  for (const auto& r : store.named(ref))
    if (owner(r.client_id) == client) return decltype(store.find(ref))(r);
  return decltype(store.find(ref))();
}

std::optional<ImageRecord> Node::find_image(const std::string& client, const std::string& ref) const {
  return find_for(images_, client, ref, [this](const std::string& c) { return owner_of(c); });
}

std::optional<ContainerRecord> Node::find_container(const std::string& client, const std::string& ref) const {
  return find_for(containers_, client, ref, [this](const std::string& c) { return owner_of(c); });
}

Result<json> Node::list_images(const std::string& client) const {
  json data = json::array();
  for (const auto& r : images_.list())
    if (owner_of(r.client_id) == client) data.push_back(r.to_api_json());
  return json{{"data", data}};
}

Result<json> Node::get_image(const std::string& client, const std::string& id) const {
  auto r = find_image(client, id);
  if (!r) return make_error(ErrorKind::NotFound, "no image " + id, "list images with GET /mcm/v1/images");
  return r->to_api_json();
}

Result<json> Node::delete_image(const std::string& client, const std::string& id) {
  std::lock_guard lock(deploy_mu_);
  auto r = find_image(client, id);
  if (!r) return make_error(ErrorKind::NotFound, "no image " + id, "list images with GET /mcm/v1/images");
  for (const auto& c : containers_.list())
    if (c.image_id == r->id)
      return make_error(ErrorKind::Conflict, "image " + r->id + " is used by container " + c.id,
                        "delete the container first (DELETE /mcm/v1/containers/" + c.id + ")");
  if (auto st = images_.remove(r->id); !st) return make_error(ErrorKind::Internal, st.error().message, st.error().hint);
  return r->to_api_json();
}

std::optional<std::string> Node::image_tarball(const std::string& client, const std::string& id) const {
  auto r = find_image(client, id);
  if (!r) return std::nullopt;
  auto bytes = images_.tar_bytes(r->id);
  if (!bytes) return std::nullopt;
  return std::move(*bytes);
}

// ---- containers ------------------------------------------------------------------------------

std::shared_ptr<FileServiceLog> Node::log_for(const std::string& container_id) {
  std::lock_guard lock(aux_mu_);
  auto& slot = logs_[container_id];
  if (!slot) slot = std::make_shared<FileServiceLog>(options_.data_dir / "logs" / (container_id + ".log"));
  return slot;
}

fs::path Node::served_module_path(const std::string& sha256) const {
  return options_.data_dir / "modules" / (sha256 + ".wasm");
}

Status Node::keep_served_module(const ImageRecord& image, const std::string& sha256) {
  if (sha256.empty() || fs::exists(served_module_path(sha256))) return ok();
  auto tar = images_.tar_bytes(image.id);
  if (!tar) return make_error(ErrorKind::Internal, tar.error().message, tar.error().hint);
  auto parsed = read_image(std::span(reinterpret_cast<const uint8_t*>(tar->data()), tar->size()));
  if (!parsed || sha256_hex(parsed->module) != sha256)  // replaced by another upload meanwhile
    return make_error(ErrorKind::Conflict, "image " + image.id + " was replaced while it started", "deploy it again");
  if (auto st = write_file_atomic(served_module_path(sha256), parsed->module); !st)
    return make_error(ErrorKind::Internal, "cannot keep the served module in the data dir: " + st.error().message,
                      "check the data dir's free space and permissions");
  return ok();
}

// Only the modules some container serves stay in modules/ (deploy_mu_ held).
void Node::forget_unserved_modules() {
  std::set<std::string> served;
  for (const auto& c : containers_.list())
    if (!c.module_sha256.empty()) served.insert(c.module_sha256 + ".wasm");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(options_.data_dir / "modules", ec))
    if (!served.contains(e.path().filename().string()))
      (void)remove_file_durable(e.path());  // one that stays goes at the next swap or delete
}

Result<std::shared_ptr<RunningService>> Node::prepare(const ContainerRecord& record, bool what_served) {
  if (!engine_) return make_error("no execution engine", "start edge-node with --engine interp");
  auto image = images_.find(record.image_id);
  if (!image) return make_error("image " + record.image_id + " is not on this node", "upload it first (edge deploy)");
  auto limits = limits_from_env(record.env);
  if (!limits) return limits.error();
  auto preopens = preopens_from_env(record.env);
  if (!preopens) return preopens.error();
  // At node start, the module that served (an upload since may have replaced the image with one
  // that never started); else the image's.
  std::string digest = image->module_sha256;
  std::optional<fs::path> served;
  if (what_served && !record.module_sha256.empty() && fs::exists(served_module_path(record.module_sha256))) {
    digest = record.module_sha256;
    served = served_module_path(digest);
  } else if (!what_served && !record.module_sha256.empty() && record.module_sha256 != digest) {
    return make_error("its image " + image->id + " was replaced by another upload while it started", "deploy it again");
  }
  // The image is read only when no running service holds its module already.
  auto load = [&]() -> Result<std::shared_ptr<LoadedModule>> {
    std::string bytes;
    if (served) {
      auto wasm = read_whole_file(*served);
      if (!wasm) return wasm.error();
      bytes = std::move(*wasm);
    } else {
      auto tar = images_.tar_bytes(image->id);
      if (!tar) return tar.error();
      auto parsed = read_image(std::span(reinterpret_cast<const uint8_t*>(tar->data()), tar->size()));
      if (!parsed) return parsed.error();
      bytes.assign(parsed->module.begin(), parsed->module.end());
    }
    auto module = engine_->load(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), digest);
    if (!module) return make_error("the module did not load: " + module.error().message, module.error().hint);
    return *module;
  };
  auto log = log_for(record.id);
  auto module = digest.empty() ? load() : modules_.get(digest, load, log);
  if (!module) return module.error();
  if (digest.empty())  // (older records have no digest: nothing to share it by)
    (*module)->report_to([weak = std::weak_ptr(log)](const std::string& line) {
      if (auto l = weak.lock()) l->node(line);
    });

  auto service = std::make_shared<RunningService>();
  service->record = record;
  service->module_sha256 = digest;
  service->base_path = record.env.at("MCM.BASE_API_PATH");
  service->module = *module;
  service->log = std::move(log);
  // One database per service name, shared by every version (a redeploy keeps the data), opened
  // when the service first uses it.
  service->storage = storage_->store(storage_file(owner_of(record.client_id), record.name));
  ServiceContext& ctx = service->context;
  ctx.name = record.name;
  ctx.env = record.env;
  ctx.info = {{"serviceType", record.name},
              {"apiRoot", service->base_path},
              {"httpPort", std::to_string(options_.port)},
              {"nodeId", client_id()},
              {"accountId", ""}};
  ctx.node_url = "http://localhost:" + std::to_string(options_.port);
  ctx.preopens = std::move(*preopens);
  ctx.limits = *limits;
  ctx.storage = service->storage.get();
  ctx.log = service->log.get();
  ctx.open_files = &service->open_files;
  if (options_.metrics) {
    service->metrics = options_.metrics->service(owner_of(record.client_id), record.name);
    ctx.observer = service->metrics.get();
  }
  return service;
}

std::string Node::state_of(const ContainerRecord& record) const {
  return services_.by_id(record.id) ? "started" : "exited";
}

Result<json> Node::start_container(const std::string& client, const json& request) {
  if (!request.is_object())
    return make_error(ErrorKind::Invalid, "the body is not a JSON object",
                      R"(send {"name": ..., "image": ..., "env": {...}})");
  const auto name = request.value("name", json()).is_string() ? request["name"].get<std::string>() : "";
  if (!valid_name(name))
    return make_error(ErrorKind::Invalid, "missing or invalid container name",
                      "give \"name\" like \"hello-v1\" (letters, digits, '-', '_', '.')");
  std::string image_ref = name;
  if (request.contains("image")) {
    if (!request["image"].is_string())
      return make_error(ErrorKind::Invalid, "\"image\" must be a string", "give the image name, e.g. \"hello-v1\"");
    image_ref = request["image"];
  }
  std::map<std::string, std::string> env;
  if (request.contains("env")) {
    if (!request["env"].is_object()) return make_error(ErrorKind::Invalid, "\"env\" must be an object of strings", "");
    for (const auto& [k, v] : request["env"].items()) {
      if (!v.is_string()) return make_error(ErrorKind::Invalid, "env " + k + " must be a string", "quote the value");
      env[k] = v.get<std::string>();
    }
  }
  auto base = env.find("MCM.BASE_API_PATH");
  if (base == env.end() || !valid_base_path(base->second))
    return make_error(ErrorKind::Invalid, "env MCM.BASE_API_PATH is missing or not a path like /hello/v1",
                      "set env MCM.BASE_API_PATH to /<name>/v<apiVersion>");
  base->second = "/" + client + base->second;
  env["MCM.RUNTIME"] = "wasm";

  std::unique_lock lock(deploy_mu_);
  auto image = find_image(client, image_ref);
  if (!image)
    return make_error(ErrorKind::Invalid, "unknown image '" + image_ref + "'", "upload it first: POST /mcm/v1/images");
  if (auto other = services_.by_base_path(base->second); other && other->record.id != client + "-" + name)
    return make_error(ErrorKind::Conflict, "base path " + base->second + " is already served by " + other->record.name,
                      "choose another MCM.BASE_API_PATH or delete " + other->record.id);

  if (auto existing = containers_.find(client + "-" + name);
      existing && existing->id == client + "-" + name && owner_of(existing->client_id) != client)
    return make_error(ErrorKind::Conflict, "container id " + existing->id + " belongs to another client of this node",
                      "choose another container name");
  ContainerRecord record;
  record.id = client + "-" + name;
  record.client_id = client;
  record.name = name;
  record.image = image_ref;
  record.image_id = image->id;
  record.env = std::move(env);
  record.created = unix_now();
  record.module_sha256 = image->module_sha256;
  return swap_in(client, record, *image, false, lock);
}

Result<json> Node::restart_container(const std::string& client, const std::string& id) {
  std::unique_lock lock(deploy_mu_);
  auto record = find_container(client, id);
  if (!record)
    return make_error(ErrorKind::NotFound, "no container " + id, "list containers with GET /mcm/v1/containers");
  auto image = images_.find(record->image_id);
  if (!image) return make_error(ErrorKind::Conflict, "the image of " + record->name + " is gone", "deploy it again");
  record->created = unix_now();
  record->module_sha256 = image->module_sha256;
  return swap_in(client, *record, *image, true, lock);
}

Result<json> Node::swap_in(const std::string& client, const ContainerRecord& record, const ImageRecord& image,
                           bool restart, std::unique_lock<std::mutex>& deploy_lock) {
  // Load first, then start one real instance under this env and these limits (start before
  // swap): only a version that does both replaces what serves now (if anything). What fails here
  // would fail every request. (Not at node start: a stored container passed this at its deploy.)
  // Without the deploy lock: a module whose _initialize runs for its whole time limit holds up no
  // other deploy. What it checked is checked again under the lock before the swap.
  deploy_lock.unlock();
  auto service = prepare(record);
  std::vector<TraceFrame> backtrace;
  if (service)
    if (auto failure = (*service)->module->check_start((*service)->context)) {
      backtrace = std::move(failure->backtrace);
      service = make_error("its module does not start: " + failure->message,
                           "fix the module's initialisation (static constructors, _initialize or main) or its "
                           "limits; the service log has the backtrace");
    }
  deploy_lock.lock();
  if (service && !images_.find(image.id))
    service = make_error("its image " + image.id + " was deleted while it started", "upload it again");
  if (service && restart && !containers_.find(record.id))
    service = make_error("the container was deleted while it restarted", "start it again");
  if (service)
    if (auto other = services_.by_base_path((*service)->base_path); other && other->record.id != record.id)
      service =
          make_error("base path " + (*service)->base_path + " was taken by " + other->record.id + " while it started",
                     "choose another MCM.BASE_API_PATH or delete " + other->record.id);
  auto previous = services_.by_id(record.id);
  if (!service) {
    auto log = log_for(record.id);
    log->node((restart ? "restart of " : "deploy of image ") + image.id + " failed: " + service.error().to_string() +
              (previous ? "; the previous version keeps serving" : ""));
    log->backtrace(backtrace);
    return make_error(ErrorKind::Refused,
                      "container " + record.name + " did not start: " + service.error().message +
                          (previous ? " (the previous version keeps serving)" : ""),
                      service.error().hint);
  }
  // What serves from now on is kept by its digest before the record names it (prepare, at start).
  if (auto st = keep_served_module(image, record.module_sha256); !st) return st.error();
  if (auto st = containers_.put(record); !st)
    return make_error(ErrorKind::Internal, st.error().message, st.error().hint);
  forget_unserved_modules();
  services_.publish(*service);
  {
    std::lock_guard aux(aux_mu_);
    failed_.erase(record.id);
  }
  (*service)->log->node(fmt::format("{} {} version {} ({} engine) at {}",
                                    restart    ? "restarted"
                                    : previous ? "redeployed"
                                               : "started",
                                    record.name, image.version, engine_name_, (*service)->base_path));
  // Which tier serves it from now on (beyond mCM's fields, as in the containers list): edge deploy says.
  json started = record.to_api_json(client, "started");
  started["engine"] = std::string((*service)->module->engine_name());
  return started;
}

json Node::container_json(const ContainerRecord& record) const {
  json body = record.to_api_json(owner_of(record.client_id), state_of(record));
  // Which engine runs it now, and why not the compiled one when that gave up (beyond mCM's fields).
  if (auto service = services_.by_id(record.id)) {
    body["engine"] = std::string(service->module->engine_name());
    if (auto note = service->module->engine_note(); !note.empty()) body["engineNote"] = note;
  }
  return body;
}

Result<json> Node::list_containers(const std::string& client) const {
  json data = json::array();
  for (const auto& r : containers_.list())
    if (owner_of(r.client_id) == client) data.push_back(container_json(r));
  return json{{"data", data}};
}

void Node::stop_background_work() {
  if (engine_) engine_->stop();
}

Result<json> Node::get_container(const std::string& client, const std::string& id) const {
  auto r = find_container(client, id);
  if (!r) return make_error(ErrorKind::NotFound, "no container " + id, "list containers with GET /mcm/v1/containers");
  auto body = container_json(*r);
  std::lock_guard lock(aux_mu_);
  if (auto it = failed_.find(r->id); it != failed_.end()) body["error"] = it->second;
  return body;
}

Result<json> Node::delete_container(const std::string& client, const std::string& id) {
  std::lock_guard lock(deploy_mu_);
  auto r = find_container(client, id);
  if (!r) return make_error(ErrorKind::NotFound, "no container " + id, "list containers with GET /mcm/v1/containers");
  if (auto st = containers_.remove(r->id); !st)
    return make_error(ErrorKind::Internal, st.error().message, st.error().hint);
  forget_unserved_modules();
  services_.remove(r->id);
  log_for(r->id)->node("stopped " + r->name);
  return r->to_api_json(client, "exited");
}

std::optional<fs::path> Node::container_log(const std::string& client, const std::string& id) const {
  auto r = find_container(client, id);
  if (!r) return std::nullopt;
  return options_.data_dir / "logs" / (r->id + ".log");
}

json Node::stats_json() const {
  json out = json::object();
  // By name for the node's own client (what the dashboard shows), by container id for others.
  const std::string own_prefix = client_id() + "-";
  for (const auto& [id, s] : const_cast<ServiceTable&>(services_).all_stats()) {
    json& entry = out[id.starts_with(own_prefix) ? id.substr(own_prefix.size()) : id];
    entry = {{"requests", s.requests}, {"failures", s.failures}, {"p50Ms", s.p50_ms},
             {"p95Ms", s.p95_ms},      {"p99Ms", s.p99_ms},      {"maxMs", s.max_ms}};
    // The last minutes for the dashboard's graphs: a point per sampling interval, oldest first.
    if (auto service = services_.by_id(id); service && service->metrics) {
      json rps = json::array(), p99 = json::array();
      for (const auto& point : service->metrics->history()) {
        rps.push_back(std::round(point.requests_per_second * 10) / 10);
        p99.push_back(std::round(point.p99_ms * 1000) / 1000);
      }
      entry["history"] = {{"intervalSeconds", NodeMetrics::kSampleEvery.count()}, {"rps", rps}, {"p99Ms", p99}};
    }
  }
  return {{"engine", engine_name_}, {"services", out}, {"internalErrors", internal_errors_.load()}};
}

void Node::refresh_metrics() {
  if (!options_.metrics) return;
  for (const auto& service : services_.all()) {
    if (!service->metrics) continue;
    service->metrics->serving_on(service->module->engine_name());
    service->metrics->compiled_as(options_.metrics->module_compiles(service->module_sha256));
  }
  auto& gauges = options_.metrics->gauges();
  gauges.images.Set(double(images_.list().size()));
  gauges.containers.Set(double(containers_.list().size()));
  gauges.internal_errors.Set(double(internal_errors_.load()));
  std::error_code ec;
  uint64_t cache = 0;
  for (fs::recursive_directory_iterator it(options_.data_dir / "aot-cache", ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_regular_file(ec)) cache += it->file_size(ec);
  gauges.compile_cache_bytes.Set(double(cache));
}

void Node::report_internal_error(const std::string& what) {
  ++internal_errors_;
  say(fmt::format("internal error, answered 500: {}", what));
}

}  // namespace edge::node
