#pragma once
// The host side of ABI 2.0.0 and WASI preview1, implemented once for every engine.
//
// A HostContext is the per-instance state the host functions of guest.hpp work on: the guest's
// memory (through the attached GuestInstance, bounds-checked), the request being served, the
// host-held buffers (mk_module_get_buffer / mk_module_set_buffer), the replies waiting to be
// delivered through mk_module_on_api_response, the WASI fd table over the preopened
// directories, limits and counters. What it is made with (Setup) is fixed; its state changes
// only through its methods, which keep the invariants (an open-file count that matches the fds,
// the first response standing, a reply depth that unwinds). Engines never look inside; they only
// bind the functions declared in guest.hpp and hand the context to the RequestDriver.
//
// What the host does for each guest -> host method (mk_module_api_request, MessagePack JSON-RPC):
//   response.send            [body, {statusCode, headers?, filePath?, fileMimeType?}] -> the HTTP
//                            response. "headers" (object of strings) is our extension. filePath is
//                            a guest path inside a preopened directory; its bytes become the body and
//                            fileMimeType the content-type. A second send is ignored (logged).
//   storage.get_item         success {status 200, data value}; a missing key: status 404, data "".
//   storage.set_item / set_item_with_tag / remove_item   success {status 200, data ""} or error.
//   storage.each_item {tag}  one success reply per item (tag "" = all), in key order, with
//                            headers {<key>: <value>} and data <value>; the guest's i32 answer: 0 goes
//                            on, any other value stops. Then always a last reply with empty headers
//                            (end of items; mimik's SDK ignores it).
//   httpclient.fetch         a real outbound HTTP(S) request (Beast), ended at the request's deadline
//                            (the request then fails 504); success {status, headers, data body};
//                            transport failure: error.
//   edge.decrypt / edge.request_bep   error {"message": "edge.* is not supported on this node"}.
//   request.handle_form_upload        parses the multipart/form-data body; per part a reply status 101
//                            headers {key, filename, path_ref, path_len}; the guest answers 100 skip,
//                            101 get (-> reply 102 {key, value}), 102 store (the guest wrote a path
//                            into buffer path_ref with mk_module_set_buffer; the host writes the part
//                            there, inside a preopen, -> reply 103 {path, file_size}), 200 abort.
//                            Then a last reply status 200 with empty headers.
//   websocket_broker.publish [type, message] -> a line in the service log (no broker here).
//   anything else            error {"message": "unknown method ..."} (if a reply was asked for).
// Replies are queued and delivered after the current guest call returns (see common decisions).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edge/node/engine.hpp"
#include "edge/node/guest.hpp"

namespace edge::node {

// One open WASI descriptor.
struct FdEntry {
  enum class Kind { Stdin, Stdout, Stderr, Directory, File };
  Kind kind = Kind::File;
  int host_fd = -1;          // owned, closed with the entry (not for stdio)
  std::string preopen_name;  // set for preopened directories: the guest path, e.g. "/data"
  bool append = false;
  bool guest_opened = false;       // by path_open: counts against the open-file caps until closed
  uint64_t rights_base = 0;        // WASI rights: what this descriptor may do
  uint64_t rights_inheriting = 0;  // ... and what descriptors opened through it may
};

// A reply waiting for delivery through mk_module_on_api_response.
struct PendingReply {
  int64_t session = 0;
  std::vector<uint8_t> message;                     // MessagePack JSON-RPC
  std::function<void(HostContext&, int32_t)> then;  // gets the guest's control code; may queue more
  // Delivered before mk_module_api_request returns (what the node answers from what it has:
  // storage, edge.*, errors), as mimik's SDK expects; false for what waits on the network
  // (httpclient.fetch) or on the request's body (form upload): delivered after the handler returns.
  bool at_once = true;
};

class HostContext {
 public:
  enum class Mode { Request, Command };

  // What a context is made with, fixed for its life. The pointers outlive the context (the
  // service, its storage and log, the request being served, the invocation).
  struct Setup {
    Mode mode = Mode::Request;
    Limits limits;
    Deadline deadline;  // none: no limit (edge-node run)
    std::vector<std::string> args;
    const std::map<std::string, std::string>* env = nullptr;  // the service's, not a copy per request
    std::span<const Preopen> preopens;  // opened by the constructor (failures go to the log), not kept
    KeyValueStore* storage = nullptr;
    ServiceLog* log = nullptr;
    const HttpRequest* request = nullptr;
    std::string_view node_url;  // the service's (ServiceContext::node_url), for edge.request_bep
    std::atomic<uint32_t>* service_open_files = nullptr;  // the service's count (see take_file_slot)
    ServiceObserver* observer = nullptr;                  // the service's, if any
  };

  explicit HostContext(Setup setup);
  ~HostContext();
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  // --- what it was made with ---
  Mode mode() const { return setup_.mode; }
  const Limits& limits() const { return setup_.limits; }
  const Deadline& deadline() const { return setup_.deadline; }
  std::chrono::milliseconds time_left() const;  // a large value without a deadline
  const std::vector<std::string>& args() const { return setup_.args; }
  const std::map<std::string, std::string>& env() const;
  KeyValueStore* storage() const { return setup_.storage; }
  const HttpRequest* request() const { return setup_.request; }
  std::string_view node_url() const { return setup_.node_url; }
  ServiceObserver* observer() const { return setup_.observer; }
  // The trace id of the request being served (from the traceparent the node gave it), or empty.
  std::string_view trace_id() const;

  // --- guest memory, bounds-checked (throws HostTrap on a bad range) ---
  void attach(GuestInstance* instance) { instance_ = instance; }
  GuestInstance* instance() const { return instance_; }
  MemoryView memory();
  uint8_t* span(uint64_t ptr, uint64_t len, const char* what);
  std::string read_bytes(uint64_t ptr, uint64_t len, const char* what);
  uint32_t load_u32(uint64_t ptr);
  void store_u8(uint64_t ptr, uint8_t v);
  void store_u16(uint64_t ptr, uint16_t v);
  void store_u32(uint64_t ptr, uint32_t v);
  void store_u64(uint64_t ptr, uint64_t v);

  // --- host-held buffers (mk_module_get_buffer / mk_module_set_buffer) ---
  struct Buffer {
    std::string bytes;
    size_t capacity = 0;  // the most set_buffer may write
  };
  int64_t add_buffer(std::string bytes, size_t capacity = 0);  // capacity 0: the size of `bytes`
  Buffer* buffer(int64_t ref);                                 // null if there is none
  void drop_buffer(int64_t ref);

  // --- replies to the guest's calls, in the order they were queued ---
  void reply(int64_t session, std::vector<uint8_t> message, std::function<void(HostContext&, int32_t)> then = {});
  void reply_later(int64_t session, std::vector<uint8_t> message, std::function<void(HostContext&, int32_t)> then = {});
  size_t replies_queued() const { return replies_.size(); }
  std::optional<PendingReply> next_reply();  // the oldest, taken off the queue
  // Takes the at-once replies queued at index `from` or later, leaving the others in place.
  void take_at_once_replies(size_t from, std::deque<PendingReply>& into);
  // Replies being delivered inside mk_module_api_request, nested: one level per live guard.
  class NestedDelivery {
   public:
    explicit NestedDelivery(HostContext& ctx) : ctx_(ctx) { ++ctx_.reply_depth_; }
    ~NestedDelivery() { --ctx_.reply_depth_; }
    NestedDelivery(const NestedDelivery&) = delete;
    NestedDelivery& operator=(const NestedDelivery&) = delete;

   private:
    HostContext& ctx_;
  };
  int reply_depth() const { return reply_depth_; }

  // --- the response (response.send): the first one stands ---
  bool responded() const { return response_.has_value(); }
  void respond(HttpResponse response) { response_ = std::move(response); }
  const std::optional<HttpResponse>& response() const { return response_; }
  std::optional<HttpResponse> take_response() { return std::exchange(response_, std::nullopt); }

  // --- WASI descriptors ---
  int32_t add_fd(FdEntry entry);
  FdEntry* fd(int32_t n);
  void close_fd(int32_t n);
  void renumber_fd(int32_t from, int32_t to);  // both open; `to` is closed first
  const std::map<int32_t, FdEntry>& fds() const { return fds_; }
  // A guest's file opens are capped per request (limits().max_open_files) and per service
  // (Setup::service_open_files against limits().max_service_open_files), so no service can take
  // the node's descriptors from the others. Taken: the caller opens, then adds the fd with
  // guest_opened set, or gives the slot back (release_file_slot) when the open fails.
  enum class FileSlot { Taken, RequestFull, ServiceFull };
  FileSlot take_file_slot();
  void release_file_slot();
  bool first_file_refusal() { return !std::exchange(file_refusal_logged_, true); }  // explained once

  // --- how the guest ends ---
  void exit(int32_t code) { exit_code_ = code; }  // proc_exit (the engine then unwinds the guest)
  void forget_exit() { exit_code_.reset(); }      // proc_exit(0) from _start: main() ended normally
  std::optional<int32_t> exit_code() const { return exit_code_; }
  void count_host_call(const char* name);                                // throws HostTrap past limits().max_host_calls
  const char* last_host_call() const { return last_host_call_; }         // the name given to count_host_call last
  [[noreturn]] void abort(ExecFailure::Kind kind, std::string message);  // the host traps the guest
  std::optional<ExecFailure::Kind> abort_kind() const { return abort_kind_; }
  const std::string& abort_message() const { return abort_message_; }

  // --- logs ---
  void log_line(ServiceLog::Stream stream, std::string_view text);  // node messages, unbounded
  // Guest-controlled text (stdout, stderr, publish): bounded by limits().max_log_bytes_per_request.
  void guest_output(ServiceLog::Stream stream, std::string_view text);

 private:
  void add_preopens(std::span<const Preopen> preopens);

  Setup setup_;
  GuestInstance* instance_ = nullptr;
  std::map<int64_t, Buffer> buffers_;
  int64_t next_buffer_ = 1;
  std::deque<PendingReply> replies_;
  int reply_depth_ = 0;
  std::optional<HttpResponse> response_;
  std::map<int32_t, FdEntry> fds_;
  uint32_t open_files_ = 0;
  bool file_refusal_logged_ = false;
  std::optional<int32_t> exit_code_;
  uint32_t host_calls_ = 0;
  const char* last_host_call_ = nullptr;
  std::optional<ExecFailure::Kind> abort_kind_;
  std::string abort_message_;
  size_t log_bytes_ = 0;
  bool log_truncated_ = false;
};

// Handles one guest -> host message (called by host_env::mk_module_api_request).
void handle_api_request(HostContext& ctx, int32_t session, std::string_view message);

// Delivers one reply to the guest (mk_module_on_api_response) and returns its control code. A
// guest that traps or times out there ends the request: HostTrap, with ctx.abort_kind() set.
int32_t deliver_reply(HostContext& ctx, const PendingReply& reply);
// Delivers, before mk_module_api_request returns, the at-once replies queued since index `from`
// of the reply queue, and what their continuations queue (an each_item walk to its end). Nested at
// most a few dozen deep; deeper replies wait for the handler to return.
void deliver_replies_at_once(HostContext& ctx, size_t from);

// JSON-RPC replies in the shapes mimik's SDK decodes.
std::vector<uint8_t> success_reply(int64_t id, int status, const std::map<std::string, std::string>& headers,
                                   std::string_view data);
std::vector<uint8_t> error_reply(int64_t id, std::string_view message);

// Resolves a guest absolute path ("/data/x.txt") through the preopens and opens it beneath
// its directory. Returns a host fd or -errno.
int open_guest_path(HostContext& ctx, std::string_view guest_path, int flags, unsigned mode);

}  // namespace edge::node
