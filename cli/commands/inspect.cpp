// edge inspect IMAGE.tar|FILE.wasm [--json]: what an image or module holds and whether a node
// would run it. Reads images made by `edge pack` and by mimik's edge-ms-packager alike.
#include <fstream>
#include <iterator>
#include <memory>

#include "compile/report_output.hpp"
#include "commands/commands.hpp"
#include "edge/core/image.hpp"
#include "edge/core/wasm_inspect.hpp"
#include "ui.hpp"

namespace edge {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

bool is_wasm(const std::vector<uint8_t>& b) {
  return b.size() >= 4 && b[0] == 0x00 && b[1] == 'a' && b[2] == 's' && b[3] == 'm';
}

std::string describe(const WasmImport& i) {
  return fmt::format(
      "{}.{}{}", i.module, i.name,
      i.kind == ExternKind::Func ? " " + abi::to_string(i.sig) : " (" + std::string(to_string(i.kind)) + ")");
}
std::string describe(const WasmExport& e) {
  return fmt::format(
      "{}{}", e.name,
      e.kind == ExternKind::Func ? " " + abi::to_string(e.sig) : " (" + std::string(to_string(e.kind)) + ")");
}

void print_list(const char* label, const std::vector<std::string>& items) {
  if (items.empty()) {
    fmt::print("  {:<9} (none)\n", label);
    return;
  }
  for (size_t i = 0; i < items.size(); ++i) fmt::print("  {:<9} {}\n", i == 0 ? label : "", items[i]);
}

int run_inspect(const std::string& file, bool as_json) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    ui::error(fs::exists(file, ec) ? file + " is not a regular file" : "no such file: " + file,
              "pass an image (.tar, e.g. deploy/hello-v1-1.0.0.tar) or a module (.wasm)");
    return kExitUsage;
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(in), {});

  std::optional<Image> image;
  std::vector<uint8_t> module;
  if (is_wasm(bytes)) {
    module = bytes;
  } else if (fs::path(file).extension() == ".wasm") {
    ui::error(file + " is not a WebAssembly module: it does not begin with \\0asm",
              "rebuild it with `edge build`; a truncated or renamed file cannot be read");
    return kExitFailure;
  } else {
    auto read = read_image(bytes);
    if (!read) {
      ui::error(file + ": " + read.error().message, read.error().hint);
      return kExitFailure;
    }
    image = std::move(*read);
    module = image->module;
  }
  const bool wasm_image = !image || image->index_file == "index.wasm";
  ValidationReport report;
  if (wasm_image) report = validate_module(module);

  if (as_json) {
    json j = wasm_image ? build::report_json(report) : json::object();
    j["file"] = file;
    j["kind"] = image ? "image" : "module";
    if (image) {
      j["name"] = image->name;
      j["version"] = image->version;
      j["repoTags"] = image->repo_tags;
      j["digest"] = image->digest;
      j["imageBytes"] = image->tar_bytes;
      j["indexFile"] = image->index_file;
    }
    j["moduleBytes"] = module.size();
    j["moduleDigest"] = "sha256:" + sha256_hex(module);
    if (!wasm_image) j["valid"] = true;  // a JavaScript image: nothing for us to validate
    ui::print_json(j, 2);
    return !wasm_image || report.ok() ? kExitOk : kExitFailure;
  }

  if (image) {
    fmt::print("{} {}\n", ui::bold(image->name, 1), image->version);
    fmt::print("  {:<9} {}\n", "file", file);
    print_list("tags", image->repo_tags);
    fmt::print("  {:<9} {}\n", "digest", image->digest);
    fmt::print("  {:<9} {} ({} bytes)\n", "image", ui::human_size(image->tar_bytes), image->tar_bytes);
    fmt::print("  {:<9} {}, {} ({} bytes), sha256:{}\n", "module", image->index_file, ui::human_size(module.size()),
               module.size(), sha256_hex(module));
  } else {
    fmt::print("{}\n", ui::bold(fs::path(file).filename().string(), 1));
    fmt::print("  {:<9} {} ({} bytes), sha256:{}\n", "module", ui::human_size(module.size()), module.size(),
               sha256_hex(module));
  }
  if (!wasm_image) {
    fmt::print("  {:<9} JavaScript service (index.js): not validated\n", "runtime");
    return kExitOk;
  }
  if (report.info) {
    const auto& info = *report.info;
    fmt::print("  {:<9} {}\n", "ABI", info.abi_version.empty() ? "(no marker)" : info.abi_version);
    fmt::print("  {:<9} {}{}\n", "model",
               info.is_reactor()   ? "reactor (_initialize)"
               : info.is_command() ? "command (_start)"
                                   : "none",
               info.has_dwarf ? ", with DWARF debug info" : "");
    std::vector<std::string> imports, exports;
    for (const auto& i : info.imports) imports.push_back(describe(i));
    for (const auto& e : info.exports) exports.push_back(describe(e));
    print_list("imports", imports);
    print_list("exports", exports);
  }
  if (report.ok()) {
    fmt::print("  {:<9} {}\n", "valid", ui::green("yes", 1));
    return kExitOk;
  }
  fmt::print("  {:<9} {} ({} problem{})\n", "valid", ui::red("no", 1), report.problems.size(),
             report.problems.size() == 1 ? "" : "s");
  for (const auto& p : report.problems) fmt::print("    {} {}\n", ui::red("✗", 1), p.to_string());
  if (!report.info && report.problems.empty()) fmt::print("    {} not a readable Wasm module\n", ui::red("✗", 1));
  return kExitFailure;
}

}  // namespace

void add_inspect_command(CLI::App& app, CommandContext& ctx) {
  auto* cmd =
      app.add_subcommand("inspect", "Show what an image (.tar) or module (.wasm) holds and whether it is valid");
  auto file = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "An image (.tar) or a module (.wasm)")->required();
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->footer("Exit codes: 0 valid, 1 invalid or unreadable image, 2 no such file.");
  cmd->callback([&ctx, file, as_json] { ctx.exit_code = run_inspect(*file, *as_json); });
}

}  // namespace edge
