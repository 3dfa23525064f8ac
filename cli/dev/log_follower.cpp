#include "dev/log_follower.hpp"

#include <fmt/core.h>
#include <httplib.h>

#include <chrono>

#include "ui.hpp"

namespace edge::dev {

LogFollower::LogFollower(std::string node_url, std::string token, std::string container_id, int64_t since_unix)
    : node_url_(std::move(node_url)),
      token_(std::move(token)),
      container_id_(std::move(container_id)),
      since_(since_unix) {
  thread_ = std::thread([this] { run(); });
}

LogFollower::~LogFollower() { stop(); }

void LogFollower::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(client_mutex_);
    if (client_) client_->stop();
  }
  if (thread_.joinable()) thread_.join();
}

void LogFollower::print_lines(std::string_view chunk) {
  partial_.append(chunk);
  size_t start = 0, nl;
  while ((nl = partial_.find('\n', start)) != std::string::npos) {
    std::string line = partial_.substr(start, nl - start);
    start = nl + 1;
    if (skipping_repeats_ && recent_set_.count(line)) continue;
    skipping_repeats_ = false;
    fmt::print("{} {}\n", ui::dim("│", 1), line);
    recent_.push_back(line);
    recent_set_.insert(std::move(line));
    if (recent_.size() > 256) {
      recent_set_.erase(recent_set_.find(recent_.front()));
      recent_.pop_front();
    }
  }
  partial_.erase(0, start);
  fflush(stdout);
}

void LogFollower::run() {
  const std::string path = "/mcm/v1/containers/" + container_id_ + "/logs?follow=1&since=" + std::to_string(since_);
  // Reconnects while running: the node may restart, or close the stream on a redeploy.
  while (!stopping_) {
    httplib::Client client(node_url_);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(24 * 3600, 0);  // a quiet service is not a dead node
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    {
      std::lock_guard lock(client_mutex_);
      if (stopping_) return;
      client_ = &client;
    }
    bool streaming = false;
    client.Get(
        path.c_str(), headers,
        [&](const httplib::Response& r) {
          streaming = r.status == 200;
          return streaming;
        },
        [&](const char* data, size_t n) {
          print_lines(std::string_view(data, n));
          return !stopping_.load();
        });
    {
      std::lock_guard lock(client_mutex_);
      client_ = nullptr;
    }
    // Lines already shown must not come back on reconnect.
    partial_.clear();
    skipping_repeats_ = true;
    since_ =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace edge::dev
