#include "compile/sdk_prelude.hpp"

#include "compile/incremental.hpp"
#include "compile/process.hpp"
#include "ui.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string_view>

namespace edge::build {
namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "<edge/edge.hpp>" from `#include <edge/edge.hpp>` (spaces allowed after '#'); empty otherwise.
std::string angle_include(std::string_view line) {
  if (line.empty() || line.front() != '#') return {};
  line = trim(line.substr(1));
  if (!line.starts_with("include")) return {};
  line = trim(line.substr(7));
  if (line.size() < 3 || line.front() != '<') return {};
  auto close = line.find('>');
  if (close == std::string_view::npos || !trim(line.substr(close + 1)).empty()) return {};
  return std::string(line.substr(0, close + 1));
}

}  // namespace

std::vector<std::string> leading_angle_includes(const fs::path& source) {
  std::ifstream in(source);
  std::vector<std::string> includes;
  bool in_block_comment = false;
  for (std::string raw; std::getline(in, raw);) {
    std::string_view line = trim(raw);
    if (in_block_comment) {
      auto end = line.find("*/");
      if (end == std::string_view::npos) continue;
      in_block_comment = false;
      line = trim(line.substr(end + 2));
    }
    if (line.empty() || line.starts_with("//")) continue;
    if (line.starts_with("/*")) {
      auto end = line.find("*/", 2);
      if (end == std::string_view::npos) {
        in_block_comment = true;
        continue;
      }
      if (!trim(line.substr(end + 2)).empty()) break;  // code after the comment
      continue;
    }
    auto include = angle_include(line);
    if (include.empty()) break;
    includes.push_back(std::move(include));
  }
  return includes;
}

bool includes_sdk(const std::vector<std::string>& includes) {
  for (const auto& i : includes)
    if (i.starts_with("<edge/")) return true;
  return false;
}

Prelude make_prelude(const fs::path& preludes_dir, const std::vector<std::string>& includes,
                     const std::vector<std::string>& compile_base, const std::vector<std::string>& object_base) {
  std::string text;
  for (const auto& i : includes) text += "#include " + i + "\n";
  Prelude p;
  // One folder per distinct set and command, so sources that start alike share one prelude.
  std::string key = text;
  for (const auto& arg : compile_base) key += "\n" + arg;
  p.dir = preludes_dir / fmt::format("{:016x}", std::hash<std::string>{}(key));
  p.header = p.dir / "prelude.hpp";
  p.header_text = text;
  p.pch = p.dir / "prelude.pch";
  p.object = p.dir / "prelude.o";
  p.pch_command = compile_base;
  p.pch_command.insert(p.pch_command.end(), {"-x", "c++-header", p.header.string(), "-fpch-instantiate-templates",
                                             "-fpch-codegen", "-fpch-debuginfo", "-o", p.pch.string()});
  p.object_command = object_base;
  p.object_command.insert(p.object_command.end(), {"-c", p.pch.string(), "-o", p.object.string()});
  return p;
}

fs::path prelude_cache_dir(const fs::path& fallback) {
  fs::path dir;
  if (const char* env = std::getenv("EDGE_CACHE_DIR"); env && *env) dir = fs::path(env) / "prelude";
  else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) dir = fs::path(xdg) / "edge" / "prelude";
  else if (const char* home = std::getenv("HOME"); home && *home) dir = fs::path(home) / ".cache" / "edge" / "prelude";
  std::error_code ec;
  if (dir.empty() || (fs::create_directories(dir, ec), ec) || access(dir.c_str(), W_OK) != 0) return fallback;
  return dir;
}

namespace {

// An exclusive lock on a file for the scope (flock: released when the process dies, too).
class FileLock {
 public:
  explicit FileLock(const fs::path& file, bool wait = true)
      : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::string command_text(const std::vector<std::string>& argv) { return shell_quote(argv) + "\n"; }

bool compile(const std::vector<std::string>& argv, const std::string& what) {
  ui::step(what);
  ui::detail(shell_quote(argv));
  auto r = run_captured(argv);
  if (r && r->exit_code == 0) return true;
  ui::detail("precompiling failed, so sources compile without it" + (r ? ":\n" + r->output : std::string()));
  return false;
}

}  // namespace

bool ensure_prelude(const Prelude& p, const fs::path& compiler) {
  std::error_code ec;
  fs::create_directories(p.dir, ec);
  if (ec) return false;
  FileLock lock(p.dir / "lock");
  if (!lock.held() || !write_if_changed(p.header, p.header_text)) return false;

  const auto pch_stamp = p.dir / "prelude.pch.cmd", depfile = p.dir / "prelude.pch.d";
  const auto object_stamp = p.dir / "prelude.o.cmd";
  bool pch_fresh = false;
  if (stamp_matches(pch_stamp, command_text(p.pch_command))) {
    auto deps = read_depfile(depfile);  // the SDK and standard headers it read
    if (!deps.empty()) {
      deps.push_back(compiler);
      pch_fresh = !out_of_date(p.pch, deps);
    }
  }
  if (!pch_fresh) {
    remove_stamp(pch_stamp);
    remove_stamp(object_stamp);
    auto argv = p.pch_command;
    argv.insert(argv.end(), {"-MD", "-MF", depfile.string()});
    if (!compile(argv, "Precompiling the SDK headers (once: later debug builds reuse them)")) return false;
    write_stamp(pch_stamp, command_text(p.pch_command));
  }
  if (!stamp_matches(object_stamp, command_text(p.object_command)) || out_of_date(p.object, {p.pch})) {
    remove_stamp(object_stamp);
    if (!compile(p.object_command, "Compiling the SDK headers' code")) return false;
    write_stamp(object_stamp, command_text(p.object_command));
  }
  fs::last_write_time(p.dir / "lock", fs::file_time_type::clock::now(), ec);  // last used: see below
  return true;
}

void remove_unused_preludes(const fs::path& preludes_dir, std::chrono::hours unused_for) {
  const auto cutoff = fs::file_time_type::clock::now() - unused_for;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(preludes_dir, ec)) {
    const auto lock_file = entry.path() / "lock";
    auto used = fs::last_write_time(lock_file, ec);
    if (ec || used > cutoff) continue;
    FileLock lock(lock_file, /*wait=*/false);  // in use by a build right now: leave it
    if (lock.held()) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace edge::build
