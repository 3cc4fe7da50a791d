#pragma once
// Fine equal-width histogram of raw values with exact fixed-point per-bin sums. The weighted DP
// on the bin means (weights = counts) then finds the optimal partition among those that do not
// cut a bin; its WCSS plus the within-bin scatter is the WCSS of that partition of the raw values.
// Counts and sums are integers, so per-thread / per-rank histograms add up exactly in any order.
//
// Besides count and fixed-point sum, each bin keeps the min and max of its values (a min/max
// reduction, also order-free), and the histogram the exact total sum of q^2: with them, a
// partition's WCSS follows from its clusters' counts and sums alone (sum q^2 - sum S^2 / n), and
// the tree splits can be bounded inside a bin (binned_tree.hpp).
#include <cstdint>
#include <span>
#include <vector>

#include "cluster/fixed_point_stats.hpp"

namespace rapidnn::cluster {

/// The value -> bin map of a histogram: monotone non-decreasing in x (a rounded affine map,
/// clamped, truncated), which the exactness arguments of the binned algorithms rely on. Every
/// kernel bins through this one function, so they agree bit for bit.
struct BinMap {
  double lo = 0, inv = 0, top = 0;
  int operator()(double x) const {
    double t = (x - lo) * inv;
    t = t < 0 ? 0 : (t > top ? top : t);
    return static_cast<int>(t);
  }
};

struct Histogram1D {
  double min = 0, max = 0;          ///< global range; bin b covers [min + b*w, min + (b+1)*w)
  int bins = 0;
  FixedPointScale scale;            ///< built from [min, max]
  std::vector<std::uint64_t> counts;
  std::vector<std::int64_t> sums_q;  ///< fixed-point sum of the values in each bin
  std::vector<float> mins, maxs;     ///< min / max value per bin (+inf / -inf when empty)
  /// Exact total sum of q^2 as two words (q^2 >> 31 and q^2 & (2^31-1) summed), MPI_SUM-able.
  std::int64_t q2_words[2] = {0, 0};

  BinMap map() const;
  /// Bin of x (x in [min, max]; max goes to the last bin).
  int bin_of(double x) const { return map()(x); }
  /// Exact total sum of q^2 over all values.
  __extension__ unsigned __int128 total_q2() const;
  /// Exact element-wise sum of another histogram with the same range and bins.
  Histogram1D& operator+=(const Histogram1D& other);
  /// The non-empty bins as weighted points: means (ascending) and counts.
  void weighted_points(std::vector<double>& points, std::vector<double>& weights) const;
  std::uint64_t total_count() const;
};

/// An empty histogram over the GLOBAL range [min, max] (bins >= 1).
Histogram1D make_histogram(double min_value, double max_value, int bins);
/// Add the values (which must lie in [min, max]) to `h`, in parallel (oneTBB); exact.
void accumulate_histogram(std::span<const float> values, Histogram1D& h);
void accumulate_histogram(std::span<const double> values, Histogram1D& h);

/// bins[i] = map(values[i]) for a block of values (vectorised where the CPU allows; identical to
/// calling the map one value at a time).
void bins_of(std::span<const float> values, const BinMap& map, std::int32_t* bins);

/// The values whose bin is flagged (flags.size() == h.bins), in an unspecified order: one
/// streaming pass (parallel). Used to resolve a few bins into their exact values.
std::vector<float> values_in_bins(std::span<const float> values, const Histogram1D& h,
                                  std::span<const std::uint8_t> flags);

}  // namespace rapidnn::cluster
