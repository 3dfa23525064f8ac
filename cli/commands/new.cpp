// edge new NAME [--template T] [--dir D] [--list]: scaffolds a project from templates/<T>/.
// A template is a folder of real files; template.yaml (its description) is not copied, every
// other file is copied with {{name}} replaced (in contents and paths), and _gitignore becomes
// .gitignore (a real .gitignore would hide files from the template's own repository).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <random>

#include "commands/commands.hpp"
#include "dev/completion_scripts.hpp"
#include "edge/core/manifest.hpp"
#include "paths.hpp"
#include "templates.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDefaultTemplate = "hello";

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

// The destination path of a template file: {{name}} substituted, _gitignore -> .gitignore.
fs::path target_path(const fs::path& rel, const std::string& name) {
  fs::path out;
  for (const auto& part : rel) {
    auto s = replace_all(part.string(), "{{name}}", name);
    if (s == "_gitignore") s = ".gitignore";
    out /= s;
  }
  return out;
}

Status copy_template(const fs::path& from, const fs::path& to, const std::string& name) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return make_error("cannot create " + to.string() + ": " + ec.message());
  for (auto it = fs::recursive_directory_iterator(from, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = it->path().lexically_relative(from);
    if (rel == templates::kMetaFile) continue;
    auto dst = to / target_path(rel, name);
    if (it->is_directory(ec)) {
      fs::create_directories(dst, ec);
      if (ec) return make_error("cannot create " + dst.string() + ": " + ec.message());
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (!in && !in.eof()) return make_error("cannot read template file " + it->path().string());
    std::ofstream out(dst, std::ios::binary | std::ios::trunc);
    // {{docs}}: where this edge's documentation is (installed: <prefix>/share/doc/edge).
    out << replace_all(replace_all(std::move(text), "{{name}}", name), "{{docs}}", paths::docs_dir().string());
    if (!out) return make_error("cannot write " + dst.string(), "check the folder's permissions and free space");
    out.close();
    fs::permissions(dst, fs::status(it->path(), ec).permissions(), ec);  // keeps scripts executable
  }
  if (ec) return make_error("cannot read the template at " + from.string() + ": " + ec.message());
  return ok();
}

std::string template_names(const std::vector<templates::Info>& ts) {
  std::string s;
  for (const auto& t : ts) s += (s.empty() ? "" : ", ") + t.name;
  return s.empty() ? "(none installed)" : s;
}

int print_template_list() {
  auto templates = templates::list();
  if (templates.empty()) {
    ui::error("no templates found in " + paths::templates_dir().string(),
              "reinstall edge, or set EDGE_SHARE_DIR to the folder holding templates/");
    return kExitFailure;
  }
  size_t width = 0;
  for (const auto& t : templates) width = std::max(width, t.name.size());
  for (const auto& t : templates) fmt::print("{:<{}}  {}\n", t.name, width, t.description);
  return kExitOk;
}

struct NewArgs {
  std::string name, template_name = kDefaultTemplate, dir;
  bool list = false;
};

int run_new(const NewArgs& args) {
  if (args.list) return print_template_list();
  if (args.name.empty()) {
    ui::error("which service? `edge new` needs a NAME", "e.g. `edge new hello`; `edge new --list` shows the templates");
    return kExitUsage;
  }
  if (auto st = validate_service_name(args.name); !st) {
    ui::error(st.error());
    return kExitUsage;
  }
  auto from = paths::templates_dir() / args.template_name;
  std::error_code ec;
  if (args.template_name.find('/') != std::string::npos || !fs::is_regular_file(from / templates::kMetaFile, ec)) {
    ui::error("no template named `" + args.template_name + "`",
              "choose one of: " + template_names(templates::list()) + " (`edge new --list` describes them)");
    return kExitUsage;
  }

  fs::path dest = fs::absolute(args.dir.empty() ? fs::path(args.name) : fs::path(args.dir)).lexically_normal();
  bool existed = fs::exists(dest, ec);
  if (existed && !fs::is_directory(dest, ec)) {
    ui::error(dest.string() + " exists and is not a folder", "choose another name or pass --dir");
    return kExitFailure;
  }
  if (existed && !fs::is_empty(dest, ec)) {
    ui::error("the folder " + dest.string() + " already exists and is not empty; nothing was changed",
              "choose another name, pass --dir to another folder, or remove that folder first");
    return kExitFailure;
  }

  // Build the project in a sibling staging folder and move it in place at the end, so a
  // failure half-way leaves nothing behind.
  auto staging = dest.parent_path() / ("." + dest.filename().string() + ".edge-new-" + std::to_string(getpid()));
  auto st = copy_template(from, staging, args.name);
  if (st) {
    auto manifest = load_manifest(staging);
    if (!manifest)
      st = make_error("template `" + args.template_name + "` wrote an invalid edge.yaml: " + manifest.error().message,
                      "report this template as broken");
  }
  if (st) {
    if (existed) fs::remove(dest, ec);  // empty, checked above
    fs::rename(staging, dest, ec);
    if (ec) st = make_error("cannot create " + dest.string() + ": " + ec.message());
  }
  if (!st) {
    fs::remove_all(staging, ec);
    ui::error(st.error());
    return kExitFailure;
  }

  auto shown = dest.lexically_relative(fs::current_path(ec));
  if (shown.empty() || shown.string().starts_with("..")) shown = dest;
  ui::success(fmt::format("created {} from template `{}`", shown.string(), args.template_name));
  // Quoted when the shell would split or expand it ("My Service"), so the line can be pasted.
  const std::string dir = shown.string();
  const bool plain = std::all_of(dir.begin(), dir.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_';
  });
  std::string quoted = "'";
  for (char c : dir) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  if (!ui::quiet()) fmt::print(stderr, "  next: cd {} && edge build\n", plain ? dir : quoted);
  return kExitOk;
}

}  // namespace

void add_new_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("new", "Create a service project from a template");
  auto args = std::make_shared<NewArgs>();
  cmd->add_option("name", args->name, "Service name: lower-case letters, digits and dashes (e.g. my-service)");
  cmd->add_option("-t,--template", args->template_name, "Template to start from")
      ->capture_default_str()
      ->check(dev::completes("templates"));
  cmd->add_option("-d,--dir", args->dir, "Folder to create (default: ./NAME)");
  cmd->add_flag("-l,--list", args->list, "List the templates and exit");
  cmd->footer("Exit codes: 0 created, 1 the folder exists and is not empty (or cannot be written), 2 usage error.");
  cmd->callback([&ctx, args] { ctx.exit_code = run_new(*args); });
}

}  // namespace edge
