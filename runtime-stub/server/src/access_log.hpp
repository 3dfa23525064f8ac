#pragma once
// The node's access log: one line per request on stdout, written in batches by a thread of its
// own. A write(2) and a stdio lock per request cost the I/O threads about 3% of the node's time
// under load; batched, a write carries every line of the last 2 ms, and a line is out within
// 2 ms when the node is quiet.
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace edge::node {

class AccessLog {
 public:
  AccessLog();
  ~AccessLog();  // writes what is pending
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(std::string_view line);  // `line` ends with '\n'
  void flush();                       // writes what is pending now (before the node prints more)

 private:
  void run();

  std::mutex mu_;
  std::condition_variable pending_cv_;
  std::string pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace edge::node
