#include "access_log.hpp"

#include <chrono>
#include <cstdio>

namespace edge::node {

namespace {
constexpr auto kBatchWindow = std::chrono::milliseconds(2);
constexpr size_t kBatchBytes = 64 * 1024;  // written at once when a batch grows this big
}  // namespace

AccessLog::AccessLog() : writer_([this] { run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  pending_cv_.notify_one();
  writer_.join();
}

void AccessLog::write(std::string_view line) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = pending_.empty() || pending_.size() + line.size() >= kBatchBytes;
    pending_.append(line);
  }
  if (wake) pending_cv_.notify_one();
}

void AccessLog::flush() {
  std::string out;
  {
    std::lock_guard lock(mu_);
    out.swap(pending_);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

void AccessLog::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    pending_cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // Let the batch fill for a moment, unless it is big already or the node is stopping.
    pending_cv_.wait_for(lock, kBatchWindow, [this] { return stopping_ || pending_.size() >= kBatchBytes; });
    std::string out;
    out.swap(pending_);
    const bool last = stopping_;
    lock.unlock();
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    lock.lock();
    if (last && pending_.empty()) return;
  }
}

}  // namespace edge::node
