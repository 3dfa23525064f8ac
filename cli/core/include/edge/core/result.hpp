#pragma once
// Errors as values at every boundary: a Result<T> holds either a T or an Error that says
// what went wrong, what kind of failure it is (callers branch on the kind, never on the text;
// only the HTTP edges turn a kind into a status) and, where we know it, what the user should do.
//
// This is the tools' Result (CLI, node, tests). The SDK has its own, for guests (edge/result.hpp):
// the inline namespace gives the two distinct names, so the linker can never mix them up, and a
// file that included both would fail to compile instead.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace edge {
inline namespace tools {

enum class ErrorKind : uint8_t {
  Failed,        // it did not work (the default: a tool failed, a file could not be written)
  Invalid,       // the input is wrong: a manifest, an image, a request body
  NotFound,      // what was named does not exist
  Unauthorized,  // no credentials, or not these
  Conflict,      // it collides with what exists
  Refused,       // valid, but it cannot be done: a module that does not start
  TooLarge,      // over a size limit
  Unavailable,   // not now: stopping, busy, not reachable
  Internal,      // a bug or a broken store: nobody's input is at fault
};

struct Error {
  std::string message;  // what went wrong, one line
  std::string hint;     // the fix, one line; may be empty
  ErrorKind kind = ErrorKind::Failed;
  std::vector<std::string> details;  // further lines, when there are several (a validator's problems)

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

inline Error make_error(ErrorKind kind, std::string message, std::string hint = {}) {
  Error e;
  e.message = std::move(message);
  e.hint = std::move(hint);
  e.kind = kind;
  return e;
}
inline Error make_error(std::string message, std::string hint = {}) {
  return make_error(ErrorKind::Failed, std::move(message), std::move(hint));
}

}  // namespace tools
}  // namespace edge
