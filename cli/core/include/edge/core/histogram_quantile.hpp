#pragma once
// The quantile of a histogram's buckets as Prometheus's histogram_quantile() computes it:
// linear within the bucket the rank falls in. The node's dashboard history and `edge top` both
// read latency this way, from the same buckets /metrics serves.
#include <cmath>
#include <utility>
#include <vector>

namespace edge {

// `q` in 0..1; `buckets`: {upper bound, cumulative count}, ascending, +Inf last. 0 when empty.
inline double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  if (buckets.empty() || buckets.back().second <= 0) return 0;
  const double rank = q * buckets.back().second;
  double lower = 0, below = 0;
  for (const auto& [upper, count] : buckets) {
    if (count >= rank) {
      if (std::isinf(upper)) return lower;  // beyond the last finite bound: its bound is all we know
      const double in_bucket = count - below;
      return in_bucket > 0 ? lower + (upper - lower) * (rank - below) / in_bucket : upper;
    }
    lower = upper;
    below = count;
  }
  return lower;
}

}  // namespace edge
