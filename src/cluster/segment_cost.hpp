#pragma once
// Cost of one cluster made of the contiguous sorted points [j, i] (inclusive):
//   cost(j, i) = sum w p^2 - (sum w p)^2 / sum w,
// from prefix sums. The points are shifted by their (weighted) mean first, and the prefix sums are
// accumulated in long double and then rounded once to double, so each stored prefix is correctly
// rounded; the cancellation error of one cost is then at most ~2 eps * (total sum of squares about
// the mean). The DP only compares costs; the reported WCSS is recomputed two-pass from the final
// partition (codebook_from_partition), so it carries no such error.
//
// The prefix sums are stored as separate arrays (structure of arrays) so that row_minimum, the
// DP's inner loop, evaluates four candidate starts per AVX2 instruction. Every path (scalar eval,
// the AVX2 kernel, the scalar fallback kernel) computes the same IEEE operations in the same order
// per candidate, so the DP's choices do not depend on the instruction set.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace rapidnn::cluster::detail {

/// Leftmost minimum of one DP row over a window of candidate cluster starts.
struct RowMin {
  std::size_t arg = 0;
  double value = 0;
};

/// kWeighted = false: unit weights, the division by the count becomes a table lookup (1/len).
template <bool kWeighted>
class SegmentCost {
 public:
  SegmentCost(std::span<const double> points, std::span<const double> weights);

  std::size_t size() const { return n_; }

  double operator()(std::size_t j, std::size_t i) const { return eval(j, i, prefix(i + 1)); }

  /// The prefix sums of row end i (pass prefix(i + 1)) hoisted out of a loop over j.
  struct Prefix {
    double s1, s2, w;
  };
  Prefix prefix(std::size_t t) const { return {s1_[t], s2_[t], kWeighted ? w_[t] : 0.0}; }
  double eval(std::size_t j, std::size_t i, const Prefix& end) const {
    const double s1 = end.s1 - s1_[j];
    const double s2 = end.s2 - s2_[j];
    double c;
    if constexpr (kWeighted) c = s2 - s1 * s1 / (end.w - w_[j]);
    else c = s2 - s1 * s1 * inv_len_rev_[n_ - (i + 1) + j];  // 1 / (i + 1 - j)
    return c > 0 ? c : 0;
  }

  /// Leftmost j in [lo, hi] (lo >= 1, hi <= i) minimising prev[j - 1] + cost(j, i). Short windows
  /// (most rows of the DP) stay inline; wide ones go to the vectorised kernel.
  RowMin row_minimum(const double* prev, std::size_t i, std::size_t lo, std::size_t hi) const {
    if (hi - lo >= kWideWindow) return row_minimum_wide(prev, i, lo, hi);
    const Prefix end = prefix(i + 1);
    RowMin best{lo, prev[lo - 1] + eval(lo, i, end)};
    for (std::size_t j = lo + 1; j <= hi; ++j) {
      const double v = prev[j - 1] + eval(j, i, end);
      if (v < best.value) best = {j, v};
    }
    return best;
  }

 private:
  static constexpr std::size_t kWideWindow = 16;
  RowMin row_minimum_wide(const double* prev, std::size_t i, std::size_t lo, std::size_t hi) const;

  std::size_t n_;
  std::vector<double> s1_, s2_, w_;
  /// inv_len_rev_[n - len] = 1 / len for len = 1..n: ascending in j for a fixed row end.
  std::vector<double> inv_len_rev_;
};

extern template class SegmentCost<false>;
extern template class SegmentCost<true>;

}  // namespace rapidnn::cluster::detail
