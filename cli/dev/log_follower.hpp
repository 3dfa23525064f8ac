#pragma once
// Streams a deployed service's log to the terminal while `edge dev` runs, through edge-node's
// extension GET /mcm/v1/containers/{id}/logs?follow=1&since=T. The log file outlives
// redeploys (same container id), so one stream covers every version.
#include <atomic>
#include <cstdint>
#include <deque>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace httplib {
class Client;
}

namespace edge::dev {

class LogFollower {
 public:
  // Lines written since `since_unix` are printed to stdout, each prefixed with "│ ".
  LogFollower(std::string node_url, std::string token, std::string container_id, int64_t since_unix);
  ~LogFollower();  // stop()
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  const std::string& container_id() const { return container_id_; }
  void stop();

 private:
  void run();
  void print_lines(std::string_view chunk);

  std::string node_url_, token_, container_id_;
  int64_t since_;
  std::atomic<bool> stopping_{false};
  std::mutex client_mutex_;
  httplib::Client* client_ = nullptr;  // the one in use, so stop() can cut the connection
  std::string partial_;
  // Reconnecting asks for whole seconds again: lines already shown are recognised and skipped.
  std::deque<std::string> recent_;
  std::multiset<std::string> recent_set_;
  bool skipping_repeats_ = false;
  std::thread thread_;
};

}  // namespace edge::dev
