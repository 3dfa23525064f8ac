#pragma once
// Shell completion scripts generated from the CLI11 app itself: a new subcommand or option
// shows up in completion without anyone editing a list.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace edge::dev {

// One option as completion needs it.
struct OptionSpec {
  std::vector<std::string> short_names;  // "C" for -C
  std::vector<std::string> long_names;   // "dir" for --dir
  std::string description;
  bool takes_value = false;
  std::vector<std::string> choices;  // from an IsMember check: {bash,zsh,fish}
  bool wants_directory = false;      // the value is a folder (-C/--dir, --data-dir, ...)
  bool numeric = false;              // a number: no file names offered
  std::string dynamic;               // values from `edge __complete KIND` (templates, services)
};

struct PositionalSpec {
  std::string name;
  std::vector<std::string> choices;
  std::string dynamic;
};

// Marks an option or positional whose values only exist at completion time (the templates
// installed, the services on the node): the scripts ask `edge __complete KIND` for them.
// Validates nothing.
CLI::Validator completes(const std::string& kind);
// The mark on `opt`, or empty.
std::string completion_kind(CLI::Option* opt);

struct CommandSpec {
  std::string name;  // empty for the root
  std::string description;
  std::vector<OptionSpec> options;  // --help included
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands;
};

// Walks `app` (its options, positionals and subcommands, recursively).
CommandSpec describe_app(CLI::App& app);

// The scripts. `program` is the command being completed ("edge").
std::string bash_completion(const CommandSpec& root, const std::string& program);
std::string zsh_completion(const CommandSpec& root, const std::string& program);
std::string fish_completion(const CommandSpec& root, const std::string& program);

}  // namespace edge::dev
