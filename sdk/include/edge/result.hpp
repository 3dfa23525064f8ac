#pragma once
// Errors as values for a world without exceptions: every host call hands its callback a
// Result. A failed Result still carries a value when the host sent one with the error
// (the ABI's `oncallback.error_with_data`), so nothing the host said is lost.
#include <string>
#include <utility>

namespace edge {

struct Unit {};

template <class T>
class Result {
 public:
  Result() = default;
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::optional
  static Result failure(std::string message, T value = T{}) {
    Result r(std::move(value));
    r.failed_ = true;
    r.error_ = std::move(message);
    return r;
  }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }  // empty when ok()
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }

 private:
  T value_{};
  bool failed_ = false;
  std::string error_;
};

using Status = Result<Unit>;

}  // namespace edge
