#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a request brings,
// or a new trace when it brings none, and the child spans the node makes of it. One request is
// one server span; each outbound fetch is a client span under it, and the fetch carries that
// span as its `traceparent`, so a request that crosses devices keeps one trace id.
//
// Ids are fixed-size hex arrays, not strings: a trace context is made for every request, and a
// 32-character std::string would allocate each time.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edge::node {

class TraceContext {
 public:
  static constexpr size_t kTraceIdHex = 32, kSpanIdHex = 16;
  // A `tracestate` longer than this is dropped, not cut (the spec allows either; a cut one
  // would be malformed).
  static constexpr size_t kMaxTraceState = 512;

  // The span a request opens: under the caller's span when `traceparent` is valid, else the
  // root of a new, sampled trace. `tracestate` goes along only with a valid `traceparent`.
  static TraceContext for_request(std::string_view traceparent, std::string_view tracestate);
  // A valid `traceparent` header value, parsed; nullopt when it is not one.
  static std::optional<TraceContext> parse(std::string_view traceparent);

  // A new span of the same trace under this one (an outbound fetch).
  TraceContext child() const;

  std::string_view trace_id() const { return {trace_.data(), trace_.size()}; }
  std::string_view span_id() const { return {span_.data(), span_.size()}; }
  // The caller's span; empty for the root of a trace.
  std::string_view parent_span_id() const {
    return has_parent_ ? std::string_view(parent_.data(), parent_.size()) : "";
  }
  bool sampled() const { return (flags_ & 1) != 0; }
  const std::string& tracestate() const { return state_; }
  // This span as a header value: "00-<trace id>-<span id>-<flags>".
  std::string traceparent() const;

 private:
  std::array<char, kTraceIdHex> trace_{};
  std::array<char, kSpanIdHex> span_{};
  std::array<char, kSpanIdHex> parent_{};
  bool has_parent_ = false;
  uint8_t flags_ = 1;
  std::string state_;
};

// The trace id of a `traceparent` value the node itself wrote (a guest request's header), or
// empty: for log lines, where parsing again would be wasted.
std::string_view trace_id_of(std::string_view traceparent);

}  // namespace edge::node
