#pragma once
// Fine equal-width histogram of raw values with exact fixed-point per-bin sums. The weighted DP
// on the bin means (weights = counts) then finds the optimal partition among those that do not
// cut a bin; its WCSS plus the within-bin scatter is the WCSS of that partition of the raw values.
// Counts and sums are integers, so per-thread / per-rank histograms add up exactly in any order.
#include <cstdint>
#include <span>
#include <vector>

#include "cluster/fixed_point_stats.hpp"

namespace rapidnn::cluster {

struct Histogram1D {
  double min = 0, max = 0;          ///< global range; bin b covers [min + b*w, min + (b+1)*w)
  int bins = 0;
  FixedPointScale scale;            ///< built from [min, max]
  std::vector<std::uint64_t> counts;
  std::vector<std::int64_t> sums_q;  ///< fixed-point sum of the values in each bin

  /// Bin of x (x in [min, max]; max goes to the last bin).
  int bin_of(double x) const;
  /// Exact element-wise sum of another histogram with the same range and bins.
  Histogram1D& operator+=(const Histogram1D& other);
  /// The non-empty bins as weighted points: means (ascending) and counts.
  void weighted_points(std::vector<double>& points, std::vector<double>& weights) const;
};

/// An empty histogram over the GLOBAL range [min, max] (bins >= 1).
Histogram1D make_histogram(double min_value, double max_value, int bins);
/// Add the values (which must lie in [min, max]) to `h`, in parallel (oneTBB); exact.
void accumulate_histogram(std::span<const float> values, Histogram1D& h);
void accumulate_histogram(std::span<const double> values, Histogram1D& h);

}  // namespace rapidnn::cluster
