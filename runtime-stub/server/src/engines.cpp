#include "engines.hpp"

#include "edge/node/interp_engine.hpp"
#include "edge/node/sqlite_store.hpp"

namespace edge::node {
namespace fs = std::filesystem;

Result<std::unique_ptr<Engine>> make_engine(const std::string& choice, const AotOptions& aot) {
  if (choice == "interp") return std::unique_ptr<Engine>(make_interp_engine());
  if (choice == "auto") return make_tiered_engine(make_interp_engine(), aot);
  if (choice == "aot") return make_tiered_engine(nullptr, aot);  // the quick tier, then the optimising one
  if (choice == "quick") {
    AotOptions quick = aot;
    quick.quick = true;
    auto engine = make_aot_engine_checked(quick);
    if (!engine) return engine.error();
    return std::move(*engine);
  }
  return make_error("unknown engine '" + choice + "'", "use --engine interp, quick, aot or auto");
}

std::unique_ptr<Engine> make_check_engine() { return make_interp_engine(); }

Result<std::shared_ptr<KeyValueStore>> open_service_storage(const fs::path& file) {
  auto store = open_sqlite_store(file);
  if (!store) return store.error();
  return std::shared_ptr<KeyValueStore>(std::move(*store));
}

}  // namespace edge::node
