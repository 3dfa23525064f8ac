// edge: scaffold, build, validate, pack and deploy C++ Wasm microservices for edgeEngine.
#include <fmt/core.h>

#include <algorithm>
#include <vector>

#include "command.hpp"
#include "ui.hpp"

namespace edge {
namespace {
std::vector<std::pair<int, CommandRegistrar>>& registry() {
  static std::vector<std::pair<int, CommandRegistrar>> r;
  return r;
}
}  // namespace

bool register_command(int order, CommandRegistrar registrar) {
  registry().emplace_back(order, std::move(registrar));
  return true;
}

void add_registered_commands(CLI::App& app, CommandContext& ctx) {
  auto& r = registry();
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, registrar] : r) registrar(app, ctx);
}

}  // namespace edge

int main(int argc, char** argv) {
  CLI::App app{"edge: build C++ WebAssembly microservices for mimik edgeEngine"};
  app.set_version_flag("--version", std::string("edge ") + EDGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  bool quiet = false, verbose = false;
  app.add_flag("-q,--quiet", quiet, "Print only errors and results");
  app.add_flag("-v,--verbose", verbose, "Print every command and step");
  app.parse_complete_callback([&] { edge::ui::configure(quiet, verbose); });

  edge::CommandContext ctx;
  edge::add_registered_commands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return edge::kExitUsage;
  }
  return ctx.exit_code;
}
