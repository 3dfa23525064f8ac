#pragma once
// The wabt interpreter engine: parses and validates a module once (load), instantiates it
// fresh per request. Endless loops end at the wall-time limit (the thread runs in slices of
// instructions with a deadline check), traps and stack exhaustion fail only their request,
// memory cannot grow past Limits::max_memory_pages. LoadedModule::handle is thread-safe.
#include <memory>

#include "edge/node/engine.hpp"

namespace edge::node {

std::unique_ptr<Engine> make_interp_engine();

}  // namespace edge::node
