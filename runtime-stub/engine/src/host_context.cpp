// HostContext: guest memory access with bounds checks, buffers, replies, fds, counters.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "edge/node/host.hpp"
#include "wasi_internal.hpp"

namespace edge::node {

HostContext::HostContext(Setup setup) : setup_(std::move(setup)) {
  for (auto [n, kind] : {std::pair{0, FdEntry::Kind::Stdin}, {1, FdEntry::Kind::Stdout}, {2, FdEntry::Kind::Stderr}}) {
    FdEntry e;
    e.kind = kind;
    e.rights_base = wasi::right::kStdio;
    fds_[n] = e;
  }
  try {
    add_preopens(setup_.preopens);
  } catch (...) {  // the destructor will not run: close what was opened
    for (auto& [n, e] : fds_)
      if (e.host_fd >= 0) ::close(e.host_fd);
    throw;
  }
  setup_.preopens = {};  // the caller's: it may not outlive this constructor
}

HostContext::~HostContext() {
  for (auto& [n, e] : fds_) {
    if (e.host_fd >= 0) ::close(e.host_fd);
    if (e.guest_opened) release_file_slot();
  }
}

void HostContext::add_preopens(std::span<const Preopen> preopens) {
  for (const auto& p : preopens) {
    int fd = ::open(p.host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      log_line(ServiceLog::Stream::Node,
               "preopen " + p.host.string() + " -> " + p.guest + " skipped: " + std::strerror(errno));
      continue;
    }
    FdEntry e;
    e.kind = FdEntry::Kind::Directory;
    e.host_fd = fd;
    e.preopen_name = p.guest.empty() ? std::string("/") : p.guest;
    e.rights_base = wasi::right::kDirectory;
    e.rights_inheriting = wasi::right::kDirectory | wasi::right::kFile;
    add_fd(std::move(e));
  }
}

void attach_instance(HostContext& ctx, GuestInstance* instance) { ctx.attach(instance); }

const std::map<std::string, std::string>& HostContext::env() const {
  static const std::map<std::string, std::string> none;
  return setup_.env ? *setup_.env : none;
}

MemoryView HostContext::memory() {
  if (!instance_) return {};
  return instance_->memory();
}

uint8_t* HostContext::span(uint64_t ptr, uint64_t len, const char* what) {
  MemoryView m = memory();
  if (!m.data || ptr > m.size || len > m.size - ptr)
    throw HostTrap(std::string("out of bounds memory access in host call ") + what + " (ptr " + std::to_string(ptr) +
                   ", len " + std::to_string(len) + ", memory " + std::to_string(m.size) + " bytes)");
  return m.data + ptr;
}

std::string HostContext::read_bytes(uint64_t ptr, uint64_t len, const char* what) {
  uint8_t* p = span(ptr, len, what);
  return std::string(reinterpret_cast<const char*>(p), len);
}

// Wasm memory is little-endian, like every host this node runs on (x86-64, aarch64).
uint32_t HostContext::load_u32(uint64_t ptr) {
  uint32_t v;
  std::memcpy(&v, span(ptr, 4, "load"), 4);
  return v;
}
void HostContext::store_u8(uint64_t ptr, uint8_t v) { *span(ptr, 1, "store") = v; }
void HostContext::store_u16(uint64_t ptr, uint16_t v) { std::memcpy(span(ptr, 2, "store"), &v, 2); }
void HostContext::store_u32(uint64_t ptr, uint32_t v) { std::memcpy(span(ptr, 4, "store"), &v, 4); }
void HostContext::store_u64(uint64_t ptr, uint64_t v) { std::memcpy(span(ptr, 8, "store"), &v, 8); }

int64_t HostContext::add_buffer(std::string bytes, size_t capacity) {
  int64_t ref = next_buffer_++;
  size_t cap = capacity ? capacity : bytes.size();
  buffers_[ref] = Buffer{std::move(bytes), cap};
  return ref;
}

HostContext::Buffer* HostContext::buffer(int64_t ref) {
  auto it = buffers_.find(ref);
  return it == buffers_.end() ? nullptr : &it->second;
}

void HostContext::drop_buffer(int64_t ref) { buffers_.erase(ref); }

void HostContext::reply(int64_t session, std::vector<uint8_t> message,
                        std::function<void(HostContext&, int32_t)> then) {
  replies_.push_back(PendingReply{session, std::move(message), std::move(then), true});
}

void HostContext::reply_later(int64_t session, std::vector<uint8_t> message,
                              std::function<void(HostContext&, int32_t)> then) {
  replies_.push_back(PendingReply{session, std::move(message), std::move(then), false});
}

std::optional<PendingReply> HostContext::next_reply() {
  if (replies_.empty()) return std::nullopt;
  PendingReply reply = std::move(replies_.front());
  replies_.pop_front();
  return reply;
}

void HostContext::take_at_once_replies(size_t from, std::deque<PendingReply>& into) {
  for (auto it = replies_.begin() + std::ptrdiff_t(std::min(from, replies_.size())); it != replies_.end();) {
    if (!it->at_once) {
      ++it;
      continue;
    }
    into.push_back(std::move(*it));
    it = replies_.erase(it);
  }
}

int32_t HostContext::add_fd(FdEntry entry) {
  int32_t n = 3;
  while (fds_.count(n)) ++n;
  fds_[n] = std::move(entry);
  return n;
}

void HostContext::close_fd(int32_t n) {
  auto it = fds_.find(n);
  if (it == fds_.end()) return;
  if (it->second.host_fd >= 0) ::close(it->second.host_fd);
  if (it->second.guest_opened) release_file_slot();
  fds_.erase(it);
}

void HostContext::renumber_fd(int32_t from, int32_t to) {
  if (from == to || !fds_.contains(from)) return;
  close_fd(to);
  auto entry = fds_.extract(from);
  entry.key() = to;
  fds_.insert(std::move(entry));
}

HostContext::FileSlot HostContext::take_file_slot() {
  if (open_files_ >= setup_.limits.max_open_files) return FileSlot::RequestFull;
  if (auto* service_files = setup_.service_open_files) {
    uint32_t held = service_files->load(std::memory_order_relaxed);
    do {
      if (held >= setup_.limits.max_service_open_files) return FileSlot::ServiceFull;
    } while (!service_files->compare_exchange_weak(held, held + 1, std::memory_order_relaxed));
  }
  ++open_files_;
  return FileSlot::Taken;
}

void HostContext::release_file_slot() {
  --open_files_;
  if (setup_.service_open_files) setup_.service_open_files->fetch_sub(1, std::memory_order_relaxed);
}

FdEntry* HostContext::fd(int32_t n) {
  auto it = fds_.find(n);
  return it == fds_.end() ? nullptr : &it->second;
}

void HostContext::count_host_call(const char* name) {
  last_host_call_ = name;
  if (++host_calls_ > setup_.limits.max_host_calls)
    abort(ExecFailure::Kind::HostCallLimit, "host call limit of " + std::to_string(setup_.limits.max_host_calls) +
                                                " per request exceeded (last call: " + name + ")");
}

void HostContext::abort(ExecFailure::Kind kind, std::string message) {
  abort_kind_ = kind;
  abort_message_ = message;
  throw HostTrap(message);
}

std::string_view HostContext::trace_id() const {
  if (!setup_.request) return {};
  auto tp = setup_.request->headers.find("traceparent");
  return tp == setup_.request->headers.end() ? std::string_view() : trace_id_of(tp->second);
}

void HostContext::log_line(ServiceLog::Stream stream, std::string_view text) {
  if (setup_.log) {
    setup_.log->write(stream, text, trace_id());
  } else if (setup_.mode == Mode::Command) {
    std::string line = "edge-node: " + std::string(text) + "\n";
    (void)!::write(2, line.data(), line.size());
  }
}

void HostContext::guest_output(ServiceLog::Stream stream, std::string_view text) {
  if (setup_.mode == Mode::Command) {
    int fd = stream == ServiceLog::Stream::Stdout ? 1 : 2;
    std::string line;
    if (stream == ServiceLog::Stream::Node) {
      line = "edge-node: " + std::string(text) + "\n";
      text = line;
    }
    while (!text.empty()) {
      ssize_t n = ::write(fd, text.data(), text.size());
      if (n <= 0) break;
      text.remove_prefix(size_t(n));
    }
    return;
  }
  const size_t cap = setup_.limits.max_log_bytes_per_request;
  if (log_bytes_ >= cap) {
    if (!log_truncated_) {
      log_truncated_ = true;
      log_line(ServiceLog::Stream::Node, "output beyond " + std::to_string(cap) + " bytes in this request dropped");
    }
    return;
  }
  size_t room = cap - log_bytes_;
  if (text.size() > room) text = text.substr(0, room);
  log_bytes_ += text.size();
  if (setup_.log) setup_.log->write(stream, text, trace_id());
}

}  // namespace edge::node

namespace edge::node {
std::chrono::milliseconds HostContext::time_left() const {
  if (!setup_.deadline) return std::chrono::hours(24);
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*setup_.deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}
}  // namespace edge::node
