// edge validate FILE.wasm [--json]: checks any module against edgeEngine's ABI 2.0.0.
#include <fstream>
#include <iterator>

#include "compile/report_output.hpp"
#include "commands/commands.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;

int run_validate(const std::string& file, bool json) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    ui::error(fs::exists(file, ec) ? file + " is not a regular file" : "no such file: " + file,
              "pass the path of a .wasm module, e.g. `edge validate build/hello.wasm`");
    return kExitUsage;
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});
  if (!in && !in.eof()) {
    ui::error("cannot read " + file, "check the file's permissions");
    return kExitUsage;
  }
  auto report = validate_module(bytes);
  if (json) {
    auto j = build::report_json(report);
    j["file"] = file;
    ui::print_json(j, 2);
    return report.ok() ? kExitOk : kExitFailure;
  }
  if (report.ok()) {
    const auto& info = *report.info;
    fmt::print("{}: valid (ABI {}, {}, {})\n", file, info.abi_version, info.is_reactor() ? "reactor" : "command",
               ui::human_size(info.size_bytes));
    return kExitOk;
  }
  auto n = report.problems.size();
  fmt::print("{}: {} ({} problem{})\n", file, ui::red("invalid", 1), n, n == 1 ? "" : "s");
  for (const auto& p : report.problems) fmt::print("  {} {}\n", ui::red("✗", 1), p.to_string());
  return kExitFailure;
}

}  // namespace

void add_validate_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("validate", "Check a .wasm module against edgeEngine's serverless ABI 2.0.0");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "The module (.wasm)")->required();
  cmd->add_flag("--json", *json, "Print the findings as JSON");
  cmd->footer("Exit codes: 0 valid, 1 invalid or not Wasm, 2 usage error (e.g. no such file).");
  cmd->callback([&ctx, file, json] { ctx.exit_code = run_validate(*file, *json); });
}

}  // namespace edge
