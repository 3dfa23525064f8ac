#include "edge/node/trace_context.hpp"

#include <algorithm>
#include <random>

namespace edge::node {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
int hex_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Span and trace ids need to be unique, not secret: a per-thread generator seeded once from the
// system's entropy is enough, and costs no lock and no system call per request.
template <size_t N>
void fill_random(std::array<char, N>& out) {
  thread_local std::mt19937_64 rng{(uint64_t(std::random_device{}()) << 32) ^ std::random_device{}()};
  for (size_t i = 0; i < N; i += 16) {
    uint64_t bits = rng();
    for (size_t j = 0; j < 16 && i + j < N; ++j, bits >>= 4) out[i + j] = kHex[bits & 15];
  }
  if (all_zero({out.data(), N})) out[N - 1] = '1';  // all zeros is invalid; 2^-64 odds
}

}  // namespace

std::optional<TraceContext> TraceContext::parse(std::string_view tp) {
  // version "-" trace-id "-" parent-id "-" flags; a later version may add fields after them.
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return std::nullopt;
  const std::string_view version = tp.substr(0, 2), trace = tp.substr(3, 32), span = tp.substr(36, 16),
                         flags = tp.substr(53, 2);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(span) || !lower_hex(flags))
    return std::nullopt;
  if (all_zero(trace) || all_zero(span)) return std::nullopt;
  if (tp.size() > 55 && (version == "00" || tp[55] != '-')) return std::nullopt;
  TraceContext ctx;
  std::copy(trace.begin(), trace.end(), ctx.trace_.begin());
  std::copy(span.begin(), span.end(), ctx.span_.begin());
  ctx.flags_ = uint8_t(hex_value(flags[0]) * 16 + hex_value(flags[1]));
  return ctx;
}

TraceContext TraceContext::for_request(std::string_view traceparent, std::string_view tracestate) {
  if (auto caller = parse(traceparent)) {
    TraceContext ctx = caller->child();
    if (tracestate.size() <= kMaxTraceState) ctx.state_ = std::string(tracestate);
    return ctx;
  }
  TraceContext root;
  fill_random(root.trace_);
  fill_random(root.span_);
  return root;
}

TraceContext TraceContext::child() const {
  TraceContext c;
  c.trace_ = trace_;
  c.parent_ = span_;
  c.has_parent_ = true;
  c.flags_ = flags_ & 1;  // only "sampled" is defined; unknown flags are not passed on
  c.state_ = state_;
  fill_random(c.span_);
  return c;
}

std::string TraceContext::traceparent() const {
  std::string out;
  out.reserve(55);
  out += "00-";
  out.append(trace_.data(), trace_.size());
  out += '-';
  out.append(span_.data(), span_.size());
  out += '-';
  out += kHex[flags_ >> 4];
  out += kHex[flags_ & 15];
  return out;
}

std::string_view trace_id_of(std::string_view traceparent) {
  return traceparent.size() >= 35 && traceparent[2] == '-' ? traceparent.substr(3, 32) : std::string_view();
}

}  // namespace edge::node
