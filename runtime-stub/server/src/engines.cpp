#include "engines.hpp"

#if defined(EDGE_NODE_HAVE_INTERP) && __has_include("edge/node/interp_engine.hpp")
#include "edge/node/interp_engine.hpp"
#define EDGE_NODE_USE_INTERP 1
#endif
#if defined(EDGE_NODE_HAVE_AOT) && __has_include("edge/node/aot_engine.hpp")
#include "edge/node/aot_engine.hpp"
#define EDGE_NODE_USE_AOT 1
#endif
#if defined(EDGE_NODE_HAVE_RUNTIME) && __has_include("edge/node/sqlite_store.hpp")
#include "edge/node/sqlite_store.hpp"
#define EDGE_NODE_USE_SQLITE 1
#endif

namespace edge::node {
namespace fs = std::filesystem;

Result<std::unique_ptr<Engine>> make_engine(const std::string& choice, const fs::path& data_dir,
                                            std::function<void(const std::string&)> log) {
  [[maybe_unused]] auto aot_options = [&] {
#ifdef EDGE_NODE_USE_AOT
    AotOptions o;
    o.cache_dir = data_dir / "aot-cache";
    o.log = log;
    return o;
#else
    (void)data_dir;
    (void)log;
    return 0;
#endif
  };
  if (choice == "interp" || choice == "auto") {
#ifdef EDGE_NODE_USE_INTERP
    auto interp = make_interp_engine();
#ifdef EDGE_NODE_USE_AOT
    if (choice == "auto") return make_tiered_engine(std::move(interp), aot_options());
#endif
    return std::unique_ptr<Engine>(std::move(interp));
#else
    return make_error("this edge-node was built without the interpreter engine",
                      "build runtime-stub/interp (target edge_node_interp)");
#endif
  }
  if (choice == "aot") {
#ifdef EDGE_NODE_USE_AOT
    auto engine = make_aot_engine_checked(aot_options());
    if (!engine) return engine.error();
    return std::move(*engine);
#else
    return make_error("this edge-node was built without the AOT engine", "use --engine interp");
#endif
  }
  return make_error("unknown engine '" + choice + "'", "use --engine interp, aot or auto");
}

Result<std::shared_ptr<KeyValueStore>> open_service_storage(const fs::path& file) {
#ifdef EDGE_NODE_USE_SQLITE
  auto store = open_sqlite_store(file);
  if (!store) return store.error();
  return std::shared_ptr<KeyValueStore>(std::move(*store));
#else
  (void)file;
  return std::shared_ptr<KeyValueStore>();  // storage.* calls then answer with an error
#endif
}

}  // namespace edge::node
