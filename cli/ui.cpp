#include "ui.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace edge::ui {
namespace {
bool g_quiet = false;
bool g_verbose = false;

std::string paint(std::string_view s, const char* code, int fd) {
  if (!color(fd)) return std::string(s);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
}
}  // namespace

void configure(bool q, bool v) {
  g_quiet = q;
  g_verbose = v && !q;
}
bool quiet() { return g_quiet; }
bool verbose() { return g_verbose; }

bool interactive(int fd) { return isatty(fd) == 1; }
bool color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return interactive(fd);
}

std::string bold(std::string_view s, int fd) { return paint(s, "1", fd); }
std::string green(std::string_view s, int fd) { return paint(s, "32", fd); }
std::string red(std::string_view s, int fd) { return paint(s, "31", fd); }
std::string yellow(std::string_view s, int fd) { return paint(s, "33", fd); }
std::string dim(std::string_view s, int fd) { return paint(s, "2", fd); }

void step(std::string_view msg) {
  if (!g_quiet) fmt::print(stderr, "  {}\n", msg);
}
void detail(std::string_view msg) {
  if (g_verbose) fmt::print(stderr, "  {}\n", dim(msg));
}
void success(std::string_view msg) {
  if (!g_quiet) fmt::print(stderr, "{} {}\n", green("✓"), msg);
}
void warn(std::string_view msg) { fmt::print(stderr, "{} {}\n", yellow("warning:"), msg); }
void error(std::string_view message, std::string_view hint) {
  fmt::print(stderr, "{} {}\n", red("error:"), message);
  if (!hint.empty()) fmt::print(stderr, "  {} {}\n", bold("fix:"), hint);
}
void error(const Error& e) { error(e.message, e.hint); }

std::string human_size(size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KB", bytes / 1024.0);
  return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0));
}

}  // namespace edge::ui
