#include "compile/project_build.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "compile/compile_units.hpp"
#include "compile/guest_flags.hpp"
#include "compile/incremental.hpp"
#include "compile/process.hpp"
#include "compile/sdk_prelude.hpp"
#include "compile/toolchain.hpp"
#include "edge/core/build_marker.hpp"
#include "paths.hpp"
#include "ui.hpp"
#include "edge/core/json_text.hpp"

namespace edge::build {
namespace fs = std::filesystem;
namespace {

// A source of the project: what compile_units runs (source relative to the project root), and more.
struct Unit : CompileUnit {
  fs::path object;
  std::vector<std::string> db_command;  // for compile_commands.json: without the precompiled prelude
  const Prelude* prelude = nullptr;
  bool stale = false;
};

std::string_view profile_name(Profile p) { return p == Profile::Release ? "release" : "debug"; }

// The flags themselves, and why each, are in sdk/cmake/edge-guest-flags.cmake.
std::vector<std::string> profile_flags(Profile p) {
  const auto& flags = p == Profile::Release ? guest::kReleaseFlags : guest::kDebugFlags;
  return {flags.begin(), flags.end()};
}

Status write_compile_commands(const fs::path& root, const fs::path& build_dir, const std::vector<Unit>& units) {
  auto db = nlohmann::json::array();
  for (const auto& u : units) {
    const auto& args = u.db_command;
    db.push_back({{"directory", root.string()},
                  {"file", (root / u.source).string()},
                  {"arguments", args},
                  {"output", u.object.string()}});
  }
  if (auto st = write_if_changed(build_dir / "compile_commands.json", edge::json_text(db, 2) + "\n"); !st) return st;
  // clangd looks for compile_commands.json at the project root: point it into build/.
  std::error_code ec;
  auto link = root / "compile_commands.json";
  if (!fs::exists(fs::symlink_status(link, ec))) fs::create_symlink("build/compile_commands.json", link, ec);
  return ok();
}

Result<std::vector<uint8_t>> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error("cannot read " + p.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The linked debug module with the marker that tells a node it is a debug build.
Status copy_marked_as_debug(const fs::path& linked, const fs::path& output) {
  auto bytes = read_bytes(linked);
  if (!bytes) return bytes.error();
  append_debug_marker(*bytes);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  if (!out.flush()) return make_error("cannot write " + output.string());
  return ok();
}

// Runs wasm-opt on the linked module; keeps its output only when it is smaller.
bool optimize(const fs::path& wasm_opt, const fs::path& input, const fs::path& output) {
  // wasm-opt takes the features clang enabled from the module's target_features section.
  std::vector<std::string> argv{wasm_opt.string(), "-Oz", input.string(), "-o", output.string()};
  ui::step("Optimizing with wasm-opt -Oz");
  ui::detail(shell_quote(argv));
  auto r = run_captured(argv);
  std::error_code ec;
  if (!r || r->exit_code != 0) {
    ui::warn("wasm-opt failed; keeping the module as linked" + (r ? ":\n" + r->output : std::string()));
    fs::remove(output, ec);
    return false;
  }
  auto before = fs::file_size(input, ec), after = fs::file_size(output, ec);
  if (ec || after >= before) {
    fs::remove(output, ec);
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> compile_base(const Toolchain& tc, const Manifest& m, const fs::path& root, Profile p) {
  std::vector<std::string> argv{tc.cxx.string()};
  for (auto& f : tc.target_flags()) argv.push_back(f);
  argv.insert(argv.end(), guest::kCxxFlags.begin(), guest::kCxxFlags.end());
  for (auto& f : profile_flags(p)) argv.push_back(f);
  argv.push_back("-I" + paths::sdk_include_dir().string());
  for (const auto& dir : m.build.include_dirs) argv.push_back("-I" + (root / dir).lexically_normal().string());
  for (const auto& d : m.build.defines) argv.push_back("-D" + d);
  argv.insert(argv.end(), m.build.cxxflags.begin(), m.build.cxxflags.end());
  return argv;
}

// What compiles a precompiled prelude into its object: the PCH carries the language flags.
std::vector<std::string> object_base(const Toolchain& tc, Profile p) {
  std::vector<std::string> argv{tc.cxx.string()};
  for (auto& f : tc.target_flags()) argv.push_back(f);
  for (auto& f : profile_flags(p)) argv.push_back(f);
  return argv;
}

std::vector<std::string> link_command(const Toolchain& tc, const Manifest& m, const std::vector<fs::path>& objects,
                                      const fs::path& output, Profile p) {
  std::vector<std::string> argv{tc.cxx.string()};
  for (auto& f : tc.target_flags()) argv.push_back(f);
  for (auto& f : profile_flags(p)) argv.push_back(f);
  argv.push_back(m.build.model == ModuleModel::Reactor ? "-mexec-model=reactor" : "-mexec-model=command");
  argv.insert(argv.end(), guest::kLinkFlags.begin(), guest::kLinkFlags.end());
  for (const auto& o : objects) argv.push_back(o.string());
  argv.insert(argv.end(), {"-o", output.string()});
  if (p == Profile::Release) argv.insert(argv.end(), guest::kReleaseLinkFlags.begin(), guest::kReleaseLinkFlags.end());
  argv.insert(argv.end(), m.build.ldflags.begin(), m.build.ldflags.end());
  return argv;
}

Result<BuildOutcome> build_project(const BuildOptions& options) {
  auto root = find_project_root(options.start_dir);
  if (!root) return root.error();
  auto manifest = load_manifest(*root);
  if (!manifest) return manifest.error();
  auto toolchain = find_toolchain(options.wasi_sdk);
  if (!toolchain) return toolchain.error();
  if (std::error_code ec; !fs::is_directory(paths::sdk_include_dir(), ec))
    return make_error("the edge SDK headers are not at " + paths::sdk_include_dir().string(),
                      "reinstall edge, or set EDGE_SHARE_DIR to the folder holding sdk/include");

  BuildOutcome out;
  out.project_root = *root;
  out.manifest = *manifest;
  const auto& m = out.manifest;
  auto sources = expand_sources(*root, m.build.sources);
  if (!sources) return sources.error();

  auto build_dir = *root / "build";
  auto obj_dir = build_dir / "obj" / profile_name(options.profile);
  auto manifest_path = *root / kManifestFile;
  auto base = compile_base(*toolchain, m, *root, options.profile);

  // Debug builds (the `edge dev` loop) precompile the headers each source starts with.
  const auto preludes_dir = prelude_cache_dir(obj_dir / "prelude");
  std::map<fs::path, Prelude> preludes;  // by folder
  std::set<fs::path> unusable;           // preludes that failed to precompile
  std::vector<Unit> units;
  std::error_code ec;
  for (const auto& src : *sources) {
    Unit u;
    u.source = src;
    auto stem = obj_dir / src;
    u.object = stem.string() + ".o";
    u.depfile = stem.string() + ".d";
    u.stamp = stem.string() + ".cmd";
    u.db_command = base;
    u.db_command.insert(u.db_command.end(), {"-c", (*root / src).string(), "-o", u.object.string()});
    u.command = u.db_command;
    fs::create_directories(u.object.parent_path(), ec);
    if (ec) return make_error("cannot create " + u.object.parent_path().string() + ": " + ec.message());
    if (options.profile == Profile::Debug && options.precompile_headers) {
      auto includes = leading_angle_includes(*root / src);
      if (includes_sdk(includes)) {
        auto p = make_prelude(preludes_dir, includes, base, object_base(*toolchain, options.profile));
        auto found = preludes.find(p.dir);
        if (found == preludes.end() && !unusable.contains(p.dir)) {
          if (ensure_prelude(p, toolchain->cxx)) found = preludes.emplace(p.dir, std::move(p)).first;
          else unusable.insert(p.dir);
        }
        if (found != preludes.end()) u.prelude = &found->second;
      }
    }
    if (u.prelude)
      for (auto& f : u.prelude->use_flags()) u.command.push_back(f);
    // Stale when the command changed, or the object is older than edge.yaml, the source, its
    // precompiled prelude or any header the depfile lists (the depfile includes the source).
    u.stale = !stamp_matches(u.stamp, stamp_of(u.command));
    if (!u.stale) {
      auto deps = read_depfile(u.depfile);
      deps.push_back(manifest_path);
      deps.push_back(*root / src);
      if (u.prelude) deps.push_back(u.prelude->pch);
      u.stale = out_of_date(u.object, deps);
    }
    units.push_back(std::move(u));
  }
  out.sources = units.size();
  if (!preludes.empty()) remove_unused_preludes(preludes_dir, std::chrono::hours(24 * 30));

  std::vector<const CompileUnit*> stale;
  for (auto& u : units)
    if (u.stale) stale.push_back(&u);
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!stale.empty()) {
    auto failed =
        compile_units(stale, jobs, ui::color(2), [](std::string_view text) { fmt::print(stderr, "{}", text); });
    if (failed)
      return make_error(
          fmt::format("{} of {} source file{} failed to compile", failed, stale.size(), stale.size() == 1 ? "" : "s"),
          "fix the compiler errors above and run `edge build` again");
  }
  out.compiled = stale.size();

  if (auto st = write_compile_commands(*root, build_dir, units); !st) return st.error();

  out.wasm = build_dir / (m.name + ".wasm");
  auto linked = obj_dir / (m.name + ".linked.wasm");
  std::vector<fs::path> objects;
  objects.reserve(units.size() + preludes.size());
  for (const auto& u : units) objects.push_back(u.object);
  for (const auto& [dir, p] : preludes) objects.push_back(p.object);
  auto link = link_command(*toolchain, m, objects, linked, options.profile);
  auto wasm_opt = options.profile == Profile::Release ? find_wasm_opt() : std::nullopt;
  auto link_stamp_text = stamp_of(link) + "wasm-opt: " + (wasm_opt ? wasm_opt->string() : "none") + "\n";
  auto link_stamp = build_dir / "obj" / "link.cmd";

  if (out.compiled || !stamp_matches(link_stamp, link_stamp_text) || out_of_date(out.wasm, objects)) {
    remove_stamp(link_stamp);
    ui::step("Linking " + out.wasm.lexically_relative(*root).string());
    ui::detail(shell_quote(link));
    auto r = run_captured(link);
    if (!r) return r.error();
    if (!r->output.empty()) fmt::print(stderr, "{}", r->output);
    if (r->exit_code != 0)
      return make_error("linking failed",
                        "fix the linker errors above (undefined symbols: a missing source in build.sources?)");

    auto tmp = out.wasm;
    tmp += ".tmp";
    out.optimized = wasm_opt && optimize(*wasm_opt, linked, tmp);
    if (options.profile == Profile::Debug) {
      if (auto st = copy_marked_as_debug(linked, tmp); !st) return st.error();
    } else if (!out.optimized) {
      fs::copy_file(linked, tmp, fs::copy_options::overwrite_existing, ec);
    }
    if (!ec) fs::rename(tmp, out.wasm, ec);
    if (ec) return make_error("cannot write " + out.wasm.string() + ": " + ec.message());
    write_stamp(link_stamp, link_stamp_text);
    out.linked = true;
  }

  auto bytes = read_bytes(out.wasm);
  if (!bytes) return bytes.error();
  out.wasm_bytes = bytes->size();
  out.report = validate_module(*bytes);
  return out;
}

}  // namespace edge::build
