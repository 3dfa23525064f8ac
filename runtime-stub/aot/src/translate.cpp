// Translation as `wasm2c` 1.0.32 does it: read with debug names, validate, generate and apply
// names, write C. Only the features wasm2c 1.0.32 supports are enabled; anything else is a
// clear error (the node then keeps the module on the interpreter).
#include "translate.hpp"

#include <fmt/format.h>

#include "wabt/apply-names.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/c-writer.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/generate-names.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wabt/validator.h"

namespace edge::node::aot {

Result<Translation> translate_to_c(std::span<const uint8_t> wasm) {
  wabt::Features features;  // the defaults: what clang-19 emits for wasm32-wasi and wasm2c supports
  features.disable_exceptions();
  features.disable_threads();
  features.disable_simd();
  wabt::Errors errors;
  wabt::Module module;
  const bool read_debug_names = true, stop_on_first_error = true, fail_on_custom_section_error = false;
  wabt::ReadBinaryOptions read_options(features, nullptr, read_debug_names, stop_on_first_error,
                                       fail_on_custom_section_error);
  auto failed = [&](std::string_view what) {
    return make_error(fmt::format("wasm2c: {}: {}", what, wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary)),
                      "the module stays on the interpreter engine");
  };
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", wasm.data(), wasm.size(), read_options, &errors, &module)))
    return failed("cannot read the module");
  wabt::ValidateOptions validate_options(features);
  if (wabt::Failed(wabt::ValidateModule(&module, &errors, validate_options)))
    return failed("invalid module");
  if (wabt::Failed(wabt::GenerateNames(&module))) return failed("cannot name the module's items");
  (void)wabt::ApplyNames(&module);  // as wasm2c: a name that cannot be applied is skipped

  wabt::MemoryStream c_stream, h_stream;
  wabt::WriteCOptions options;
  options.module_name = kModuleName;
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, kHeaderName, &module, options)))
    return failed("cannot write C");
  auto text = [](wabt::MemoryStream& s) {
    const auto& data = s.output_buffer().data;
    return std::string(reinterpret_cast<const char*>(data.data()), data.size());
  };
  return Translation{text(c_stream), text(h_stream), uint32_t(module.num_func_imports),
                     uint32_t(module.funcs.size() - module.num_func_imports)};
}

}  // namespace edge::node::aot
