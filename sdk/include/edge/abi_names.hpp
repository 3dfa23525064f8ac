#pragma once
// The JSON-RPC method names and codes of the ABI as C++ constants, from their one description,
// edge/abi.def: the SDK, the node and the test hosts all name them through these, so renaming a
// method is one edit there.
#include <cstdint>
#include <string_view>

namespace edge::abi {

namespace method {  // guest -> host calls
#define EDGE_ABI_METHOD(id, name) inline constexpr std::string_view id = name;
#include "edge/abi.def"
}  // namespace method

namespace reply {  // host -> guest replies
#define EDGE_ABI_REPLY(id, name) inline constexpr std::string_view id = name;
#include "edge/abi.def"
}  // namespace reply

namespace event {  // host -> guest events
#define EDGE_ABI_EVENT(id, name) inline constexpr std::string_view id = name;
#include "edge/abi.def"
}  // namespace event

namespace code {
#define EDGE_ABI_CODE(id, value) inline constexpr int32_t id = value;
#include "edge/abi.def"
}  // namespace code

namespace node_rpc {  // the node's POST /jsonrpc/v1
#define EDGE_NODE_RPC(id, name) inline constexpr std::string_view id = name;
#include "edge/abi.def"
}  // namespace node_rpc

}  // namespace edge::abi
