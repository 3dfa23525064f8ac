#include "compile/compile_units.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "compile/incremental.hpp"
#include "compile/process.hpp"
#include "ui.hpp"

namespace edge::build {

std::string stamp_of(const std::vector<std::string>& command) { return shell_quote(command) + "\n"; }

size_t compile_units(const std::vector<const CompileUnit*>& units, unsigned jobs, bool color,
                     const std::function<void(std::string_view)>& output) {
  if (units.empty()) return 0;
  std::atomic<size_t> next{0}, failed{0};
  std::mutex out_mutex;
  auto worker = [&] {
    for (size_t i; (i = next++) < units.size();) {
      const CompileUnit& u = *units[i];
      auto argv = u.command;
      if (color) argv.push_back("-fcolor-diagnostics");
      argv.insert(argv.end(), {"-MD", "-MF", u.depfile.string()});
      {
        std::lock_guard lock(out_mutex);
        ui::step("Compiling " + u.source.string());
        ui::detail(shell_quote(argv));
      }
      std::error_code ec;
      std::filesystem::create_directories(u.depfile.parent_path(), ec);
      remove_stamp(u.stamp);
      auto r = run_captured(argv);
      std::lock_guard lock(out_mutex);
      if (!r) {
        ui::error(r.error());
        ++failed;
        continue;
      }
      if (!r->output.empty()) output(r->output);
      if (r->exit_code != 0) {
        ++failed;
        continue;
      }
      write_stamp(u.stamp, stamp_of(u.command));
    }
  };
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(units.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return failed;
}

}  // namespace edge::build
