// Translation as `wasm2c` 1.0.32 does it: read with debug names, validate, generate and apply
// names, write C. Only the features wasm2c 1.0.32 supports are enabled; anything else is a
// clear error (the node then keeps the module on the interpreter).
#include "translate.hpp"

#include <fmt/format.h>

#include "wabt/apply-names.h"
#include "wabt/binary-reader-ir.h"
#include "wabt/binary-reader.h"
#include "wabt/c-writer.h"
#include "wabt/cast.h"
#include "wabt/error-formatter.h"
#include "wabt/feature.h"
#include "wabt/generate-names.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wabt/validator.h"

namespace edge::node::aot {
namespace {

// True when an instruction in `exprs` (blocks included) changes a table or a segment's state: then
// an instance after _initialize may differ from a fresh one beyond its memory and globals, which
// is all a pre-initialisation snapshot keeps (preinit.cpp).
bool changes_tables(const wabt::ExprList& exprs) {
  using T = wabt::ExprType;
  for (const wabt::Expr& e : exprs) {
    switch (e.type()) {
      case T::TableSet:
      case T::TableGrow:
      case T::TableFill:
      case T::TableInit:
      case T::TableCopy:
      case T::ElemDrop:
      case T::DataDrop:  // also caught by the instance struct (glue.cpp); twice is cheap
      case T::MemoryInit: return true;
      case T::Block:
        if (changes_tables(wabt::cast<wabt::BlockExpr>(&e)->block.exprs)) return true;
        break;
      case T::Loop:
        if (changes_tables(wabt::cast<wabt::LoopExpr>(&e)->block.exprs)) return true;
        break;
      case T::If: {
        auto* i = wabt::cast<wabt::IfExpr>(&e);
        if (changes_tables(i->true_.exprs) || changes_tables(i->false_)) return true;
        break;
      }
      default: break;
    }
  }
  return false;
}

}  // namespace

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
    return make_error(
        fmt::format("wasm2c: {}: {}", what, wabt::FormatErrorsToString(errors, wabt::Location::Type::Binary)),
        "the module stays on the interpreter engine");
  };
  if (wabt::Failed(wabt::ReadBinaryIr("module.wasm", wasm.data(), wasm.size(), read_options, &errors, &module)))
    return failed("cannot read the module");
  wabt::ValidateOptions validate_options(features);
  if (wabt::Failed(wabt::ValidateModule(&module, &errors, validate_options))) return failed("invalid module");
  if (wabt::Failed(wabt::GenerateNames(&module))) return failed("cannot name the module's items");
  (void)wabt::ApplyNames(&module);  // as wasm2c: a name that cannot be applied is skipped

  wabt::MemoryStream c_stream, h_stream;
  wabt::WriteCOptions options;
  options.module_name = kModuleName;
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, kHeaderName, &module, options))) return failed("cannot write C");
  auto text = [](wabt::MemoryStream& s) {
    const auto& data = s.output_buffer().data;
    return std::string(reinterpret_cast<const char*>(data.data()), data.size());
  };
  Translation t{text(c_stream), text(h_stream), uint32_t(module.num_func_imports),
                uint32_t(module.funcs.size() - module.num_func_imports)};
  for (const wabt::Func* f : module.funcs) t.changes_tables = t.changes_tables || changes_tables(f->exprs);
  return t;
}

}  // namespace edge::node::aot
