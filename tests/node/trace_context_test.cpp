// W3C trace context as the node reads and writes it (runtime-stub/engine/trace_context).
#include <set>

#include <doctest/doctest.h>

#include "edge/node/trace_context.hpp"

using edge::node::TraceContext;

TEST_CASE("a valid traceparent is continued: same trace, the caller's span as parent, a new span") {
  auto ctx = TraceContext::for_request("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=x");
  CHECK(ctx.trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(ctx.parent_span_id() == "00f067aa0ba902b7");
  CHECK(ctx.span_id() != "00f067aa0ba902b7");
  CHECK(ctx.span_id().size() == 16);
  CHECK(ctx.sampled());
  CHECK(ctx.tracestate() == "vendor=x");
  CHECK(ctx.traceparent() == "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string(ctx.span_id()) + "-01");
  auto fetch = ctx.child();
  CHECK(fetch.trace_id() == ctx.trace_id());
  CHECK(fetch.parent_span_id() == ctx.span_id());
  CHECK(fetch.tracestate() == "vendor=x");
}

TEST_CASE("what the spec refuses starts a new trace, and the caller's tracestate is not kept") {
  for (const std::string bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
                                "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    CAPTURE(bad);
    CHECK(!TraceContext::parse(bad));
    auto ctx = TraceContext::for_request(bad, "vendor=x");
    CHECK(ctx.parent_span_id().empty());
    CHECK(ctx.trace_id() != "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(ctx.tracestate().empty());
  }
  // A later version may add fields; its ids are still taken.
  CHECK(TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more"));
  // An unsampled trace stays unsampled; a tracestate over 512 bytes is dropped.
  auto quiet =
      TraceContext::for_request("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", std::string(600, 'a'));
  CHECK(!quiet.sampled());
  CHECK(quiet.tracestate().empty());
}

TEST_CASE("new traces do not repeat") {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(std::string(TraceContext::for_request("", "").trace_id()));
  CHECK(ids.size() == 10000);
}
