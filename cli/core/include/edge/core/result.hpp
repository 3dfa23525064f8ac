#pragma once
// Errors as values at every boundary: a Result<T> holds either a T or an Error that says
// what went wrong and, where we know it, what the user should do about it.
#include <string>
#include <utility>
#include <variant>

namespace edge {

struct Error {
  std::string message;  // what went wrong, one line
  std::string hint;     // the fix, one line; may be empty

  std::string to_string() const { return hint.empty() ? message : message + " (" + hint + ")"; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok() { return Ok{}; }

inline Error make_error(std::string message, std::string hint = {}) {
  return Error{std::move(message), std::move(hint)};
}

}  // namespace edge
