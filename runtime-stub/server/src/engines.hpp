#pragma once
// Choosing the execution engine (--engine interp|aot|auto) and opening service storage: the
// glue between the server and whatever engines this build has (runtime-stub/{interp,aot}).
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "edge/node/aot_engine.hpp"
#include "edge/node/engine.hpp"

namespace edge::node {

// "interp": wabt's interpreter. "aot": wasm2c compiled code (needs a C compiler).
// "auto": the interpreter at once, the compiled code when ready (or interp if AOT is absent).
// `aot`: the compiled tier's cache, budget and log.
Result<std::unique_ptr<Engine>> make_engine(const std::string& choice, const AotOptions& aot);

// What the node checks an uploaded module with (instantiation only, no compile): the interpreter,
// whatever engine serves. A check must leave nothing behind, such as a compile-cache entry.
std::unique_ptr<Engine> make_check_engine();

// The SQLite store of one service (one file per service name in <data-dir>/storage/).
Result<std::shared_ptr<KeyValueStore>> open_service_storage(const std::filesystem::path& file);

}  // namespace edge::node
