#pragma once
#include <nlohmann/json.hpp>
// Terminal output: colour only on a TTY and never with NO_COLOR; --quiet and --verbose.
// Results go to stdout, progress and diagnostics to stderr, so scripts can pipe results.
#include <fmt/core.h>

#include <string>
#include <string_view>

#include "edge/core/result.hpp"

namespace edge::ui {

void configure(bool quiet, bool verbose);
bool quiet();
bool verbose();
bool color(int fd);        // colour allowed on this fd
bool interactive(int fd);  // a terminal (progress bars, prompts)

std::string bold(std::string_view s, int fd = 2);
std::string green(std::string_view s, int fd = 2);
std::string red(std::string_view s, int fd = 2);
std::string yellow(std::string_view s, int fd = 2);
std::string dim(std::string_view s, int fd = 2);

void step(std::string_view msg);     // "  Compiling src/main.cpp": progress, hidden by --quiet
void detail(std::string_view msg);   // shown only with --verbose
void success(std::string_view msg);  // "✓ built build/hello.wasm (12.3 KB)"
void warn(std::string_view msg);
void error(const Error& e);  // "error: message" + "  fix: hint"
void error(std::string_view message, std::string_view hint = {});

// A command's result as JSON on stdout (--json).
void print_json(const nlohmann::json& result, int indent = -1);

// A script that asked for --json gets a failure as JSON on stdout, besides the words on stderr:
// {"error": {"kind": "notFound", "message": ..., "hint": ...}}, the first error reported, when the
// command printed no JSON result of its own. main() turns it on and prints it at the end.
void json_errors(bool on);
void note_json_error(const Error& e);
void finish_json_errors(int exit_code);

std::string human_size(size_t bytes);  // "12.3 KB"

}  // namespace edge::ui
