#pragma once
// The host side of ABI 2.0.0 and WASI preview1, implemented once for every engine.
//
// A HostContext is the per-instance state the host functions of guest.hpp work on: the guest's
// memory (through the attached GuestInstance, bounds-checked), the request being served, the
// host-held buffers (mk_module_get_buffer / mk_module_set_buffer), the replies waiting to be
// delivered through mk_module_on_api_response, the WASI fd table over the preopened
// directories, limits and counters. Engines never look inside; they only bind the functions
// declared in guest.hpp and hand the context to the RequestDriver (request_driver.hpp).
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
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

  HostContext(Mode mode, Limits limits);
  ~HostContext();
  HostContext(const HostContext&) = delete;
  HostContext& operator=(const HostContext&) = delete;

  // --- configuration (set before instantiation) ---
  Mode mode;
  Limits limits;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  KeyValueStore* storage = nullptr;
  ServiceLog* log = nullptr;
  const HttpRequest* request = nullptr;
  std::string_view node_url;  // the service's (ServiceContext::node_url), for edge.request_bep
  void add_preopens(const std::vector<Preopen>& preopens);  // opens them (failures go to the log)

  // --- guest memory, bounds-checked (throws HostTrap on a bad range) ---
  GuestInstance* instance = nullptr;
  MemoryView memory();
  uint8_t* span(uint64_t ptr, uint64_t len, const char* what);
  std::string read_bytes(uint64_t ptr, uint64_t len, const char* what);
  uint32_t load_u32(uint64_t ptr);
  void store_u8(uint64_t ptr, uint8_t v);
  void store_u16(uint64_t ptr, uint16_t v);
  void store_u32(uint64_t ptr, uint32_t v);
  void store_u64(uint64_t ptr, uint64_t v);

  // --- host-held buffers ---
  int64_t add_buffer(std::string bytes, size_t capacity = 0);  // capacity: max size set_buffer may write
  struct Buffer {
    std::string bytes;
    size_t capacity = 0;
  };
  std::map<int64_t, Buffer> buffers;

  // --- request state ---
  std::deque<PendingReply> replies;
  std::optional<HttpResponse> response;
  void reply(int64_t session, std::vector<uint8_t> message, std::function<void(HostContext&, int32_t)> then = {});
  void reply_later(int64_t session, std::vector<uint8_t> message, std::function<void(HostContext&, int32_t)> then = {});
  int reply_depth = 0;  // replies being delivered inside mk_module_api_request, nested

  // --- WASI ---
  std::map<int32_t, FdEntry> fds;
  int32_t add_fd(FdEntry entry);
  FdEntry* fd(int32_t n);
  void close_fd(int32_t n);
  // A guest's file opens are capped per request (limits.max_open_files) and per service
  // (service_open_files against limits.max_service_open_files), so no service can take the node's
  // descriptors from the others. Taken: the caller opens, then adds the fd with guest_opened set,
  // or gives the slot back (release_file_slot) when the open fails.
  enum class FileSlot { Taken, RequestFull, ServiceFull };
  FileSlot take_file_slot();
  void release_file_slot();
  std::atomic<uint32_t>* service_open_files = nullptr;

  // --- time ---
  Deadline deadline;                            // none: no limit (edge-node run)
  std::chrono::milliseconds time_left() const;  // a large value without a deadline

  // --- counters and termination ---
  uint32_t host_calls = 0;
  size_t log_bytes = 0;
  bool log_truncated = false;
  bool file_refusal_logged = false;             // a refused path_open was explained in the log
  std::optional<int32_t> exit_code;             // proc_exit was called
  std::optional<ExecFailure::Kind> abort_kind;  // why the host trapped the guest
  std::string abort_message;
  const char* last_host_call = nullptr;    // the name given to count_host_call last
  void count_host_call(const char* name);  // throws HostTrap past limits.max_host_calls
  [[noreturn]] void abort(ExecFailure::Kind kind, std::string message);
  void log_line(ServiceLog::Stream stream, std::string_view text);  // node messages, unbounded
  // Guest-controlled text (stdout, stderr, publish): bounded by limits.max_log_bytes_per_request.
  void guest_output(ServiceLog::Stream stream, std::string_view text);

 private:
  int64_t next_buffer_ = 1;
  uint32_t open_files_ = 0;
};

// Handles one guest -> host message (called by host_env::mk_module_api_request).
void handle_api_request(HostContext& ctx, int32_t session, std::string_view message);

// Delivers one reply to the guest (mk_module_on_api_response) and returns its control code. A
// guest that traps or times out there ends the request: HostTrap, with ctx.abort_kind set.
int32_t deliver_reply(HostContext& ctx, const PendingReply& reply);
// Delivers, before mk_module_api_request returns, the at-once replies queued since index `from`
// of ctx.replies, and what their continuations queue (an each_item walk to its end). Nested at
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
