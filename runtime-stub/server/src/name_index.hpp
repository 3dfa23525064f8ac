#pragma once
// Record ids by record name, beside a store's map by id: finding a record by its name, or
// learning that none has it (every new deploy asks), is a lookup, not a pass over every record.
#include <map>
#include <set>
#include <string>

namespace edge::node {

class NameIndex {
 public:
  void add(const std::string& name, const std::string& id) { ids_[name].insert(id); }
  void remove(const std::string& name, const std::string& id) {
    auto it = ids_.find(name);
    if (it == ids_.end()) return;
    it->second.erase(id);
    if (it->second.empty()) ids_.erase(it);
  }
  // The ids of records named `name`, in id order (the order of a pass over the map by id).
  const std::set<std::string>& ids(const std::string& name) const {
    static const std::set<std::string> none;
    auto it = ids_.find(name);
    return it == ids_.end() ? none : it->second;
  }

 private:
  std::map<std::string, std::set<std::string>> ids_;
};

}  // namespace edge::node
