#include "ui.hpp"

#include "edge/core/json_text.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

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
  error(make_error(ErrorKind::Failed, std::string(message), std::string(hint)));
}
void error(const Error& e) {
  fmt::print(stderr, "{} {}\n", red("error:"), e.message);
  if (!e.hint.empty()) fmt::print(stderr, "  {} {}\n", bold("fix:"), e.hint);
  note_json_error(e);
}

namespace {
bool g_json_errors = false;
bool g_json_printed = false;         // the command printed its own JSON result
std::optional<Error> g_first_error;  // the first error reported, for --json

std::string_view kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Failed: return "failed";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::NotFound: return "notFound";
    case ErrorKind::Unauthorized: return "unauthorized";
    case ErrorKind::Conflict: return "conflict";
    case ErrorKind::Refused: return "refused";
    case ErrorKind::TooLarge: return "tooLarge";
    case ErrorKind::Unavailable: return "unavailable";
    case ErrorKind::Internal: return "internal";
  }
  return "failed";
}
}  // namespace

void print_json(const nlohmann::json& result, int indent) {
  fmt::print("{}\n", json_text(result, indent));
  g_json_printed = true;
}

void json_errors(bool on) { g_json_errors = on; }

void note_json_error(const Error& e) {
  if (g_json_errors && !g_first_error) g_first_error = e;
}

void finish_json_errors(int exit_code) {
  if (!g_json_errors || g_json_printed || exit_code == 0) return;
  const Error e = g_first_error.value_or(make_error("the command failed", ""));
  nlohmann::json err = {{"kind", kind_name(e.kind)}, {"message", e.message}};
  if (!e.hint.empty()) err["hint"] = e.hint;
  if (!e.details.empty()) err["details"] = e.details;
  print_json({{"error", err}});
}

std::string human_size(size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KB", bytes / 1024.0);
  return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0));
}

}  // namespace edge::ui
