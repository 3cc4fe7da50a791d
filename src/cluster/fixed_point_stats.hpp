#pragma once
// Per-cluster statistics of raw values for one Lloyd refinement pass, designed to be summed
// EXACTLY and in any order (across threads, chunks, MPI ranks): each value x is mapped to a
// fixed-point integer q = round((x - center) * scale) with |q| < 2^31, where center and scale
// depend only on the global [min, max] (itself an exact reduction). Every statistic is then an
// int64 sum of integers, and integer addition is associative, so a distributed k-means built on
// these kernels gives bit-identical results on 1, 2, 4, ... ranks.
//
// Layout, per cluster c, four int64 words at [4c .. 4c+3]:
//   count, sum q, sum of (q^2 >> 31), sum of (q^2 & (2^31 - 1)).
// q^2 < 2^62 is split in two 31-bit limbs so each word stays below 2^63 for up to 2^32 values in
// total: the words can be reduced with a plain MPI_SUM on MPI_INT64_T (par::Communicator::
// allreduce_sum(span<int64_t>)).
//
// The quantisation step is (max - min) / (2^32 - 4); it is used only for the statistics (means,
// WCSS), never for assignment: each value is assigned by its exact double value.
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

/// The fixed-point mapping; build it from the GLOBAL min and max so that every rank agrees.
struct FixedPointScale {
  double center = 0;  ///< (min + max) / 2
  double scale = 1;   ///< integer units per value unit
  static FixedPointScale from_range(double min_value, double max_value);
  /// Round half away from zero of (x - center) * scale, clamped to |q| <= 2^31 - 1 (values
  /// outside the global range are a caller bug; the clamp keeps the words overflow-free).
  /// Inline, branch-free and libm-free (truncating conversion): it runs once per value per pass.
  std::int64_t quantize(double x) const {
    double y = (x - center) * scale;
    y = y < -2147483647.0 ? -2147483647.0 : (y > 2147483647.0 ? 2147483647.0 : y);
    return static_cast<std::int64_t>(y + std::copysign(0.5, y));  // no sign branch (~50% mispredicted)
  }
  double to_value(long double q) const;         ///< center + q / scale
};

/// Global min and max of finite values (parallel). Throws InvalidArgument on empty input or a
/// NaN/Inf value, naming its index.
struct ValueRange {
  double min = 0, max = 0;
};
ValueRange value_range(std::span<const float> values);
ValueRange value_range(std::span<const double> values);

/// Per-cluster count / sum / sum of squares, in the exact fixed-point representation.
class ClusterStats {
 public:
  static constexpr int kWordsPerCluster = 4;
  ClusterStats() = default;
  explicit ClusterStats(int k) : words_(static_cast<std::size_t>(k) * kWordsPerCluster, 0) {}

  int k() const { return static_cast<int>(words_.size() / kWordsPerCluster); }
  /// The raw words, for MPI_SUM (allreduce_sum) or for serialisation.
  std::span<std::int64_t> words() { return words_; }
  std::span<const std::int64_t> words() const { return words_; }

  /// Exact element-wise sum (order does not matter).
  ClusterStats& operator+=(const ClusterStats& other);
  bool operator==(const ClusterStats& other) const = default;

  void add(int cluster, std::int64_t q) {
    std::int64_t* w = &words_[static_cast<std::size_t>(cluster) * kWordsPerCluster];
    const auto sq = static_cast<std::uint64_t>(q * q);  // < 2^62
    w[0] += 1;
    w[1] += q;
    w[2] += static_cast<std::int64_t>(sq >> 31);
    w[3] += static_cast<std::int64_t>(sq & ((std::uint64_t{1} << 31) - 1));
  }

  std::uint64_t count(int c) const { return static_cast<std::uint64_t>(words_[4 * static_cast<std::size_t>(c)]); }
  std::int64_t sum_q(int c) const { return words_[4 * static_cast<std::size_t>(c) + 1]; }
  /// Exact sum of q^2 of cluster c.
  __extension__ unsigned __int128 sum_q2(int c) const;

  /// Mean of cluster c in value units (meaningless when count(c) == 0).
  double mean(int c, const FixedPointScale& s) const;
  /// sum_{x in c} (x - m)^2 in value units, about the cluster's own mean m (quantised values).
  double within_ss(int c, const FixedPointScale& s) const;
  /// sum_{x in c} (x - y)^2 in value units about an arbitrary point y (quantised values).
  double ss_about(int c, double y, const FixedPointScale& s) const;

 private:
  std::vector<std::int64_t> words_;
};

/// Reference/serial kernel: assign every value to its nearest centroid (nearest_index) and add it
/// to that cluster's statistics. `stats.k()` must equal centroids.size().
void accumulate_cluster_stats(std::span<const float> values, std::span<const double> sorted_centroids,
                              const FixedPointScale& scale, ClusterStats& stats);
void accumulate_cluster_stats(std::span<const double> values, std::span<const double> sorted_centroids,
                              const FixedPointScale& scale, ClusterStats& stats);

/// Parallel (oneTBB) version over a span of raw values; identical result to the serial kernel.
ClusterStats cluster_stats(std::span<const float> values, std::span<const double> sorted_centroids,
                           const FixedPointScale& scale);
ClusterStats cluster_stats(std::span<const double> values, std::span<const double> sorted_centroids,
                           const FixedPointScale& scale);

/// One Lloyd update from reduced statistics: the new centroid of a non-empty cluster is its mean,
/// an empty cluster keeps its old centroid. Returns the new centroids (ascending, since in 1-D the
/// means of nearest-centroid cells keep the order).
std::vector<double> lloyd_update(const ClusterStats& stats, std::span<const double> old_centroids,
                                 const FixedPointScale& scale);

/// Codebook for `centroids` from the statistics of a pass that assigned the values to exactly
/// these centroids: counts, and WCSS about the centroids themselves (not about the new means).
Codebook1D codebook_from_stats(const ClusterStats& stats, std::span<const double> centroids,
                               const FixedPointScale& scale, int iterations);

}  // namespace rapidnn::cluster
