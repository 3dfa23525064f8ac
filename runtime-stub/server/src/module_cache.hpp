#pragma once
// One loaded module per module digest, shared by every service that runs it: a thousand services
// of one module cost one parse, one compile (or cache lookup and dlopen) and one copy of its
// code and initial memory, not a thousand. A loaded module carries no per-service state (the
// ServiceContext comes with each request), so sharing it changes nothing a request sees.
// The cache holds modules weakly: when the last service of a digest goes, its module goes too.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edge/node/engine.hpp"
#include "service_log.hpp"

namespace edge::node {

class ModuleCache {
 public:
  using Load = std::function<Result<std::shared_ptr<LoadedModule>>()>;

  // The module of `digest`: the one a running service already holds, else what `load()` gives
  // (so a shared module's image is not even read). `log` hears what the engine says about the
  // module from now on (its tier-up, or why it stays on the interpreter), as does every other
  // service sharing it, and the last lines it said before.
  Result<std::shared_ptr<LoadedModule>> get(const std::string& digest, const Load& load,
                                            const std::shared_ptr<FileServiceLog>& log);
  size_t loaded() const;  // digests with a live module

 private:
  // The logs of the services sharing one module, and what the module said so far.
  struct Listeners {
    std::mutex mu;
    std::vector<std::weak_ptr<FileServiceLog>> logs;
    std::vector<std::string> said;  // the last few lines, for a service that joins later
    void add(const std::shared_ptr<FileServiceLog>& log);
    void tell(const std::string& line);
  };
  struct Entry {
    std::weak_ptr<LoadedModule> module;
    std::shared_ptr<Listeners> listeners;
    // Held while this digest loads: two services of a new digest load it once, and a slow load
    // (a long _initialize, run once at load) holds up no other digest's.
    std::shared_ptr<std::mutex> loading = std::make_shared<std::mutex>();
  };

  mutable std::mutex mu_;  // the map, never held across a load
  std::map<std::string, Entry> entries_;
};

}  // namespace edge::node
