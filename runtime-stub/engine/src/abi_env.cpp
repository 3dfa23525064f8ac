// The three "env" imports of ABI 2.0.0 (sdk/include/edge/abi.def).
#include <cstring>

#include "edge/node/host.hpp"

namespace edge::node::host_env {

void mk_module_api_request(HostContext& ctx, int32_t session_id, int32_t ptr, int32_t len) {
  ctx.count_host_call("mk_module_api_request");
  if (len < 0) throw HostTrap("mk_module_api_request: negative length");
  // Read in place: handling a call never runs the guest (its replies are delivered below).
  const uint8_t* p = ctx.span(uint32_t(ptr), uint32_t(len), "mk_module_api_request");
  const size_t queued = ctx.replies_queued();
  handle_api_request(ctx, session_id, std::string_view(reinterpret_cast<const char*>(p), size_t(len)));
  deliver_replies_at_once(ctx, queued);
}

void mk_module_get_buffer(HostContext& ctx, int32_t dst_ptr, int64_t host_buf_ref, int32_t len) {
  ctx.count_host_call("mk_module_get_buffer");
  const HostContext::Buffer* buffer = ctx.buffer(host_buf_ref);
  if (!buffer) throw HostTrap("mk_module_get_buffer: unknown host buffer " + std::to_string(host_buf_ref));
  const std::string& bytes = buffer->bytes;
  if (len < 0 || size_t(len) > bytes.size())
    throw HostTrap("mk_module_get_buffer: asked for " + std::to_string(len) + " bytes of a " +
                   std::to_string(bytes.size()) + "-byte buffer");
  std::memcpy(ctx.span(uint32_t(dst_ptr), uint32_t(len), "mk_module_get_buffer"), bytes.data(), size_t(len));
}

void mk_module_set_buffer(HostContext& ctx, int64_t host_buf_ref, int32_t src_ptr, int32_t len) {
  ctx.count_host_call("mk_module_set_buffer");
  HostContext::Buffer* buffer = ctx.buffer(host_buf_ref);
  if (!buffer) throw HostTrap("mk_module_set_buffer: unknown host buffer " + std::to_string(host_buf_ref));
  if (len < 0 || size_t(len) > buffer->capacity)
    throw HostTrap("mk_module_set_buffer: " + std::to_string(len) + " bytes do not fit the " +
                   std::to_string(buffer->capacity) + "-byte buffer");
  buffer->bytes = ctx.read_bytes(uint32_t(src_ptr), uint32_t(len), "mk_module_set_buffer");
}

}  // namespace edge::node::host_env
