#pragma once
// Cost of one cluster made of the contiguous sorted points [j, i] (inclusive):
//   cost(j, i) = sum w p^2 - (sum w p)^2 / sum w,
// from prefix sums. The points are shifted by their (weighted) mean first, and the prefix sums are
// accumulated in long double and then rounded once to double, so each stored prefix is correctly
// rounded; the cancellation error of one cost is then at most ~2 eps * (total sum of squares about
// the mean). The DP only compares costs; the reported WCSS is recomputed two-pass from the final
// partition (codebook_from_partition), so it carries no such error.
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace rapidnn::cluster::detail {

/// kWeighted = false: unit weights, the division by the count becomes a table lookup (1/len).
template <bool kWeighted>
class SegmentCost {
 public:
  SegmentCost(std::span<const double> points, std::span<const double> weights) : n_(points.size()) {
    RAPIDNN_ASSERT(!kWeighted || weights.size() == points.size());
    long double total_w = 0, total_wp = 0;
    for (std::size_t t = 0; t < n_; ++t) {
      const long double w = kWeighted ? weights[t] : 1.0L;
      total_w += w;
      total_wp += w * points[t];
    }
    const long double shift = total_wp / total_w;
    s_.resize(n_ + 1);
    if constexpr (kWeighted) w_.resize(n_ + 1); else inv_len_.resize(n_ + 1);
    long double a1 = 0, a2 = 0, aw = 0;
    s_[0] = {0.0, 0.0};
    if constexpr (kWeighted) w_[0] = 0; else inv_len_[0] = 0;
    for (std::size_t t = 0; t < n_; ++t) {
      const long double y = points[t] - shift;
      const long double w = kWeighted ? weights[t] : 1.0L;
      a1 += w * y;
      a2 += w * y * y;
      s_[t + 1] = {static_cast<double>(a1), static_cast<double>(a2)};
      if constexpr (kWeighted) {
        aw += w;
        w_[t + 1] = static_cast<double>(aw);
      } else {
        inv_len_[t + 1] = 1.0 / static_cast<double>(t + 1);
      }
    }
  }

  std::size_t size() const { return n_; }

  double operator()(std::size_t j, std::size_t i) const { return eval(j, i, s_[i + 1]); }

  /// The prefix sums of row end i (pass prefix(i + 1)) hoisted out of a loop over j.
  struct Prefix {
    double s1, s2;
  };
  const Prefix& prefix(std::size_t t) const { return s_[t]; }
  double eval(std::size_t j, std::size_t i, const Prefix& end) const {
    const double s1 = end.s1 - s_[j].s1;
    const double s2 = end.s2 - s_[j].s2;
    double c;
    if constexpr (kWeighted) c = s2 - s1 * s1 / (w_[i + 1] - w_[j]);
    else c = s2 - s1 * s1 * inv_len_[i + 1 - j];
    return c > 0 ? c : 0;
  }

 private:
  std::size_t n_;
  std::vector<Prefix> s_;  // interleaved: one cache line serves both sums
  std::vector<double> w_, inv_len_;
};

}  // namespace rapidnn::cluster::detail
