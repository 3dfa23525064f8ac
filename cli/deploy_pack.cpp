#include "deploy_pack.hpp"

#include <fstream>

#include "compile/project_build.hpp"
#include "edge/core/image.hpp"
#include "edge/core/wasm_inspect.hpp"
#include "ui.hpp"

namespace edge::deploy {
namespace fs = std::filesystem;

namespace {

Result<std::vector<uint8_t>> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error("cannot read " + p.string(), "run `edge build`");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Write next to the target and rename, so a crash never leaves half an image behind.
Status write_atomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) return make_error("cannot create " + path.parent_path().string() + ": " + ec.message(), "check permissions");
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return make_error("cannot write " + tmp.string(), "check free space and permissions");
  }
  fs::rename(tmp, path, ec);
  if (ec) return make_error("cannot write " + path.string() + ": " + ec.message(), "check permissions");
  return ok();
}

}  // namespace

Result<PackOutcome> pack_project(const fs::path& start_dir, const std::optional<fs::path>& output,
                                 build::Profile profile) {
  build::BuildOptions options;
  options.start_dir = start_dir;
  options.profile = profile;
  auto built = build::build_project(options);  // incremental: does nothing when up to date
  if (!built) return built.error();

  auto module = read_bytes(built->wasm);
  if (!module) return module.error();
  // Validate what we are about to ship, whatever the build reported.
  auto report = validate_module(*module);
  if (!report.ok()) {
    std::string first = report.problems.empty() ? "not a readable Wasm module" : report.problems.front().to_string();
    return make_error(
        built->wasm.string() + " is not deployable: " + first +
            (report.problems.size() > 1 ? " (and " + std::to_string(report.problems.size() - 1) + " more)" : ""),
        "fix the problems `edge validate` lists, then pack again");
  }

  PackOutcome out;
  out.project_root = built->project_root;
  out.manifest = built->manifest;
  out.module_bytes = module->size();
  out.image = write_image({out.manifest.image_name(), out.manifest.version, std::move(*module)});
  out.image_path = output ? *output : out.project_root / "deploy" / out.manifest.image_file();
  if (out.image_path.is_relative() && output) out.image_path = fs::absolute(out.image_path);
  // Read our own output back: the digest comes from the same code the node runs on upload.
  auto image = read_image(out.image);
  if (!image) return image.error();
  out.digest = image->digest;
  if (auto st = write_atomically(out.image_path, out.image); !st) return st.error();
  return out;
}

}  // namespace edge::deploy
