// edge: scaffold, build, validate, pack and deploy C++ Wasm microservices for edgeEngine.
#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "commands/commands.hpp"
#include "edge/core/suggest.hpp"
#include "ui.hpp"

namespace edge {
namespace {

// The first word that is not one of edge's own flags: the command the user meant, if any.
std::optional<size_t> command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-q" || a == "--quiet" || a == "-v" || a == "--verbose") continue;
    if (a.starts_with("-")) return std::nullopt;  // --help, --version, or an error CLI11 explains
    return size_t(i);
  }
  return std::nullopt;
}

// The command named `name`, or nullptr.
CLI::App* command_named(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->check_name(name)) return sub;
  return nullptr;
}

}  // namespace
}  // namespace edge

int main(int argc, char** argv) {
  CLI::App app{"edge: build C++ WebAssembly microservices for mimik edgeEngine", "edge"};
  app.set_version_flag("--version", std::string("edge ") + EDGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  bool quiet = false, verbose = false;
  app.add_flag("-q,--quiet", quiet, "Print only errors and results");
  app.add_flag("-v,--verbose", verbose, "Print every command and step");
  app.parse_complete_callback([&] { edge::ui::configure(quiet, verbose); });

  edge::CommandContext ctx;
  edge::add_commands(app, ctx);
  // Every command that offers --json answers a failure in JSON too (ui::print_json_error).
  edge::ui::json_errors(
      std::any_of(argv + 1, argv + argc, [](const char* a) { return std::string_view(a) == "--json"; }));

  // What a slip deserves, before CLI11's terse errors: `edge` alone shows the commands, `edge help
  // [COMMAND]` the help, and a command that does not exist the nearest one.
  const auto word = edge::command_word(argc, argv);
  if (!word &&
      std::none_of(argv + 1, argv + argc, [](const char* a) { return std::string_view(a).starts_with("-"); })) {
    fmt::print("{}", app.help());
    return 0;
  }
  if (word) {
    const std::string name = argv[*word];
    if (name == "help") {
      CLI::App* sub = *word + 1 < size_t(argc) ? edge::command_named(app, argv[*word + 1]) : nullptr;
      if (*word + 1 < size_t(argc) && !sub) {
        fmt::print(stderr, "error: no command '{}' — `edge help` lists them\n", argv[*word + 1]);
        return edge::kExitUsage;
      }
      fmt::print("{}", sub ? sub->help() : app.help());
      return 0;
    }
    if (!edge::command_named(app, name)) {
      std::vector<std::string_view> commands;
      for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
      const std::string nearest = edge::nearest_word(name, commands);
      fmt::print(stderr, "error: no command '{}'{} — `edge help` lists them\n", name,
                 nearest.empty() ? "" : fmt::format("; did you mean `edge {}`?", nearest));
      return edge::kExitUsage;
    }
  }
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
  edge::ui::finish_json_errors(ctx.exit_code);
  return ctx.exit_code;
}
