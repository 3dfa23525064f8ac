#include "dev/completion_scripts.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace edge::dev {
namespace {

constexpr std::string_view kCompletesPrefix = "completes:";

// An option's validators (CLI11 2.3 lists them only by index, and throws past the last).
std::vector<CLI::Validator*> validators_of(CLI::Option* opt) {
  std::vector<CLI::Validator*> out;
  for (int i = 0;; ++i) {
    try {
      out.push_back(opt->get_validator(i));
    } catch (const CLI::OptionNotFound&) {
      return out;
    }
  }
}

// "{bash,zsh,fish}" -> {"bash","zsh","fish"}: how CLI11 describes an IsMember check.
std::vector<std::string> choices_of(CLI::Option* opt) {
  for (CLI::Validator* v : validators_of(opt)) {
    std::string d = v->get_description();
    if (d.size() < 2 || d.front() != '{' || d.back() != '}') continue;
    std::vector<std::string> out;
    std::string item;
    for (char c : d.substr(1, d.size() - 2)) {
      if (c == ',') out.push_back(std::exchange(item, {}));
      else item += c;
    }
    if (!item.empty()) out.push_back(item);
    return out;
  }
  return {};
}

bool names_a_directory(const CLI::Option& opt) {
  for (const auto& n : opt.get_lnames())
    if (n == "dir" || n.ends_with("-dir") || n == "wasi-sdk") return true;
  return false;
}

// One line: completion menus show a single line per entry.
std::string first_line(std::string s) {
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// 'text' for a POSIX shell (bash, zsh and fish all read it the same way).
std::string sq(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::vector<std::string> flag_names(const OptionSpec& o) {
  std::vector<std::string> out;
  out.reserve(o.short_names.size() + o.long_names.size());
  for (const auto& s : o.short_names) out.push_back("-" + s);
  for (const auto& l : o.long_names) out.push_back("--" + l);
  return out;
}

// The root's options apply everywhere (the app falls through to them).
std::vector<OptionSpec> options_in(const CommandSpec& cmd, const CommandSpec& root) {
  std::vector<OptionSpec> all = cmd.options;
  if (&cmd != &root)
    for (const auto& o : root.options)
      if (std::find(o.long_names.begin(), o.long_names.end(), "help") == o.long_names.end() &&
          std::find(o.long_names.begin(), o.long_names.end(), "version") == o.long_names.end())
        all.push_back(o);
  return all;
}

// ---- bash ------------------------------------------------------------------------------

// The values of a dynamic option, asked of edge itself when the user presses Tab.
std::string bash_dynamic(const std::string& kind, const std::string& program) {
  return fmt::format("compgen -W \"$({} __complete {} 2>/dev/null)\" -- \"$cur\"", program, kind);
}

void bash_command(std::string& out, const CommandSpec& cmd, const CommandSpec& root, const std::string& path,
                  const std::string& program) {
  out += fmt::format("    {})\n", sq(path));
  const auto options = options_in(cmd, root);
  std::string value_cases;
  std::vector<std::string> words;
  for (const auto& o : options) {
    auto names = flag_names(o);
    words.insert(words.end(), names.begin(), names.end());
    if (!o.takes_value) continue;
    std::string action = !o.choices.empty()   ? fmt::format("compgen -W {} -- \"$cur\"", sq(join(o.choices, " ")))
                         : !o.dynamic.empty() ? bash_dynamic(o.dynamic, program)
                         : o.wants_directory  ? "compgen -d -- \"$cur\""
                         : o.numeric          ? "true"
                                              : "compgen -f -- \"$cur\"";
    value_cases += fmt::format("        {}) COMPREPLY=($({})); return 0 ;;\n", join(names, "|"), action);
  }
  if (!value_cases.empty()) out += "      case \"$prev\" in\n" + value_cases + "      esac\n";
  out += fmt::format("      if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W {} -- \"$cur\")); return 0; fi\n",
                     sq(join(words, " ")));
  std::vector<std::string> nouns, dynamic;
  bool files = false;
  for (const auto& s : cmd.subcommands) nouns.push_back(s.name);
  for (const auto& p : cmd.positionals) {
    nouns.insert(nouns.end(), p.choices.begin(), p.choices.end());
    if (!p.dynamic.empty()) dynamic.push_back(p.dynamic);
    files = files || (p.choices.empty() && p.dynamic.empty());
  }
  if (!nouns.empty()) out += fmt::format("      COMPREPLY=($(compgen -W {} -- \"$cur\"))\n", sq(join(nouns, " ")));
  for (const auto& kind : dynamic) out += "      COMPREPLY+=($(" + bash_dynamic(kind, program) + "))\n";
  if (files) out += "      COMPREPLY+=($(compgen -f -- \"$cur\"))\n";
  out += "      ;;\n";
  for (const auto& s : cmd.subcommands) bash_command(out, s, root, path + "/" + s.name, program);
}

void bash_transitions(std::vector<std::string>& pairs, const CommandSpec& cmd, const std::string& path) {
  for (const auto& s : cmd.subcommands) {
    pairs.push_back(sq(path + ":" + s.name));
    bash_transitions(pairs, s, path + "/" + s.name);
  }
}

// ---- zsh -------------------------------------------------------------------------------

std::string zsh_desc(std::string s) {
  s = first_line(std::move(s));
  for (char& c : s)
    if (c == '[') c = '(';
    else if (c == ']') c = ')';
  return s;
}

std::string zsh_dynamic(const std::string& kind, const std::string& program) {
  return "{compadd -- $(" + program + " __complete " + kind + " 2>/dev/null)}";
}

std::string zsh_option_specs(const CommandSpec& cmd, const CommandSpec& root, const std::string& program) {
  std::string out;
  for (const auto& o : options_in(cmd, root)) {
    auto names = flag_names(o);
    std::string value;
    if (o.takes_value)
      value = !o.choices.empty()   ? ":value:(" + join(o.choices, " ") + ")"
              : !o.dynamic.empty() ? ":" + o.dynamic + ":" + zsh_dynamic(o.dynamic, program)
              : o.wants_directory  ? ":dir:_files -/"
              : o.numeric          ? ":number: "
                                   : ":file:_files";
    std::string tail = "[" + zsh_desc(o.description) + "]" + value;
    if (names.size() == 1) out += " \\\n    " + sq(names[0] + tail);
    else out += " \\\n    " + sq("(" + join(names, " ") + ")") + "{" + join(names, ",") + "}" + sq(tail);
  }
  int index = 1;
  for (const auto& p : cmd.positionals) {
    if (!p.dynamic.empty())
      out += " \\\n    " + sq(std::to_string(index) + ":" + p.name + ":" + zsh_dynamic(p.dynamic, program));
    else if (p.choices.empty()) out += " \\\n    " + sq("*:" + p.name + ":_files");
    else out += " \\\n    " + sq(std::to_string(index) + ":" + p.name + ":(" + join(p.choices, " ") + ")");
    ++index;
  }
  return out;
}

// ---- fish ------------------------------------------------------------------------------

void fish_options(std::string& out, const std::string& program, const std::string& condition,
                  const std::vector<OptionSpec>& options) {
  for (const auto& o : options) {
    std::string line = "complete -c " + program + condition;
    for (const auto& s : o.short_names) line += " -s " + s;
    for (const auto& l : o.long_names) line += " -l " + l;
    if (o.takes_value) {
      if (!o.choices.empty()) line += " -x -a " + sq(join(o.choices, " "));
      else if (!o.dynamic.empty()) line += " -x -a " + sq("(" + program + " __complete " + o.dynamic + " 2>/dev/null)");
      else if (o.wants_directory) line += " -x -a '(__fish_complete_directories)'";
      else if (o.numeric) line += " -x";
      else line += " -r -F";
    }
    out += line + " -d " + sq(first_line(o.description)) + "\n";
  }
}

}  // namespace

CLI::Validator completes(const std::string& kind) {
  return CLI::Validator([](std::string&) { return std::string(); }, "", std::string(kCompletesPrefix) + kind);
}

std::string completion_kind(CLI::Option* opt) {
  for (CLI::Validator* v : validators_of(opt))
    if (v->get_name().starts_with(kCompletesPrefix)) return v->get_name().substr(kCompletesPrefix.size());
  return {};
}

CommandSpec describe_app(CLI::App& app) {
  CommandSpec spec;
  spec.name = app.get_parent() ? app.get_name() : "";
  spec.description = first_line(app.get_description());
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() && !opt->nonpositional()) {
      spec.positionals.push_back({opt->get_name(true), choices_of(opt), completion_kind(opt)});
      continue;
    }
    OptionSpec o;
    o.short_names = opt->get_snames();
    o.long_names = opt->get_lnames();
    if (o.short_names.empty() && o.long_names.empty()) continue;
    o.description = first_line(opt->get_description());
    o.takes_value = opt->get_type_size_max() > 0 && opt->get_items_expected_max() > 0;
    o.choices = choices_of(opt);
    o.wants_directory = names_a_directory(*opt);
    o.dynamic = completion_kind(opt);
    const std::string type = opt->get_type_name();
    o.numeric = type == "INT" || type == "UINT" || type == "FLOAT" || type == "NUMBER";
    spec.options.push_back(std::move(o));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (!sub->get_name().empty() && !sub->get_group().empty()) spec.subcommands.push_back(describe_app(*sub));
  return spec;
}

std::string bash_completion(const CommandSpec& root, const std::string& program) {
  std::vector<std::string> pairs;
  bash_transitions(pairs, root, "");
  std::string out = fmt::format(
      "# bash completion for {0} (generated by `{0} completion bash`; load it with\n"
      "#   source <({0} completion bash)   or save it in ~/.local/share/bash-completion/completions/{0})\n"
      "_{1}() {{\n"
      "  local cur prev path w i\n"
      "  COMPREPLY=()\n"
      "  cur=\"${{COMP_WORDS[COMP_CWORD]}}\"\n"
      "  prev=\"\"\n"
      "  if (( COMP_CWORD > 0 )); then prev=\"${{COMP_WORDS[COMP_CWORD-1]}}\"; fi\n"
      "  path=\"\"\n"
      "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
      "    w=\"${{COMP_WORDS[i]}}\"\n"
      "    case \"$path:$w\" in\n"
      "      {2}) path=\"$path/$w\" ;;\n"
      "    esac\n"
      "  done\n"
      "  case \"$path\" in\n",
      program, program, pairs.empty() ? "''" : join(pairs, "|"));
  bash_command(out, root, root, "", program);
  out += fmt::format("  esac\n  return 0\n}}\ncomplete -F _{0} {0}\n", program);
  return out;
}

std::string zsh_completion(const CommandSpec& root, const std::string& program) {
  std::string out = fmt::format(
      "#compdef {0}\n"
      "# zsh completion for {0} (generated by `{0} completion zsh`; load it with\n"
      "#   source <({0} completion zsh)   or save it as _{0} in a folder on $fpath)\n"
      "_{0}() {{\n"
      "  local curcontext=\"$curcontext\" state line\n"
      "  typeset -A opt_args\n"
      "  local -a commands\n"
      "  commands=(\n",
      program);
  for (const auto& s : root.subcommands) out += "    " + sq(s.name + ":" + first_line(s.description)) + "\n";
  out += "  )\n  _arguments -C";
  out += zsh_option_specs(root, root, program);
  out += " \\\n    '1: :->command' \\\n    '*:: :->args' && return\n";
  out +=
      "  case $state in\n    command) _describe -t commands 'command' commands ;;\n    args)\n      case $line[1] in\n";
  for (const auto& s : root.subcommands)
    out += fmt::format("        {})\n          _arguments{} ;;\n", s.name, zsh_option_specs(s, root, program));
  out += "      esac ;;\n  esac\n}\n";
  out +=
      fmt::format("if [[ \"${{funcstack[1]}}\" == \"_{0}\" ]]; then _{0} \"$@\"; else compdef _{0} {0}; fi\n", program);
  return out;
}

std::string fish_completion(const CommandSpec& root, const std::string& program) {
  std::string out = fmt::format(
      "# fish completion for {0} (generated by `{0} completion fish`; save it as\n"
      "#   ~/.config/fish/completions/{0}.fish)\n"
      "complete -c {0} -f\n",
      program);
  fish_options(out, program, "", root.options);
  for (const auto& s : root.subcommands)
    out += fmt::format("complete -c {} -n __fish_use_subcommand -a {} -d {}\n", program, s.name,
                       sq(first_line(s.description)));
  for (const auto& s : root.subcommands) {
    const std::string cond = " -n " + sq("__fish_seen_subcommand_from " + s.name);
    fish_options(out, program, cond, s.options);
    for (const auto& p : s.positionals) {
      if (!p.dynamic.empty())
        out += "complete -c " + program + cond + " -a " +
               sq("(" + program + " __complete " + p.dynamic + " 2>/dev/null)") + "\n";
      else if (p.choices.empty()) out += "complete -c " + program + cond + " -F\n";
      else out += "complete -c " + program + cond + " -a " + sq(join(p.choices, " ")) + "\n";
    }
    for (const auto& sub : s.subcommands)
      out += "complete -c " + program + cond + " -a " + sub.name + " -d " + sq(first_line(sub.description)) + "\n";
  }
  return out;
}

}  // namespace edge::dev
