#pragma once
// The HTTP side of the node (cpp-httplib): the mCM API under /mcm/v1 (bearer token), the
// Universal Web Server for everything under /<clientId>/..., JSON errors, one log line per request.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "node.hpp"

namespace httplib {
class Server;
}

namespace edge::node {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8083;
  std::optional<std::string> token;   // none: no auth
  size_t threads = 0;                 // 0: 4 per core (at least 4 cores' worth), see the constructor
};

class HttpServer {
 public:
  HttpServer(Node& node, HttpOptions options);
  ~HttpServer();
  Result<int> bind();   // returns the bound port
  void serve();         // blocks until stop()
  void stop();

 private:
  void install_routes();
  Node& node_;
  HttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<bool> stopping_{false};
  size_t threads_ = 0;
  std::atomic<size_t> followers_{0};  // open `logs?follow=1` streams, each holding a worker
};

}  // namespace edge::node
