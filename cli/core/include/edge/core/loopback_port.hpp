#pragma once
// Picking a port for a node we start ourselves (`edge dev`, the tests): the kernel hands out a
// free one when we bind port 0. Another process may take it before the node binds it; callers
// that care detect that by the node exiting at start.
namespace edge {

// A loopback TCP port nobody listened on a moment ago; 0 when no socket could be bound.
int free_loopback_port();

}  // namespace edge
