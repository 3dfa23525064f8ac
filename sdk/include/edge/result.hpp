#pragma once
// Errors as values for a world without exceptions: every host call hands its callback a
// Result, which holds a value or an error message, never both (as std::expected). Reading the
// value of a failed Result is a bug the SDK stops at once: it logs the error it holds and
// aborts the request (a trap, a 500 with that message in the service's log), where
// std::expected would be undefined behaviour.
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace edge {

struct Unit {};

namespace detail {
[[noreturn]] inline void bad_result_access(const std::string& error) {
  // write(2), not stdio: this must not pull printf into every module.
  static constexpr char kPrefix[] = "edge: the value of a failed Result was read (check `if (!r)` first): ";
  (void)::write(2, kPrefix, sizeof kPrefix - 1);
  (void)::write(2, error.data(), error.size());
  (void)::write(2, "\n", 1);
  std::abort();
}
}  // namespace detail

template <class T>
class Result {
 public:
  Result() : value_(T{}) {}                      // success with T{}: Status() is "ok"
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::expected
  static Result failure(std::string message) {
    Result r(Failed{});
    r.error_ = message.empty() ? std::string("failed") : std::move(message);
    return r;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }  // empty when ok()

  T& value() & { return checked(); }
  const T& value() const& { return checked(); }
  T&& value() && { return std::move(checked()); }
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return checked(); }
  T&& operator*() && { return std::move(checked()); }

 private:
  struct Failed {};
  explicit Result(Failed) {}
  T& checked() {
    if (!value_) detail::bad_result_access(error_);
    return *value_;
  }
  const T& checked() const {
    if (!value_) detail::bad_result_access(error_);
    return *value_;
  }

  std::optional<T> value_;
  std::string error_;
};

using Status = Result<Unit>;

}  // namespace edge
