#pragma once
// The result type shared by every 1-D k-means in this module, and the nearest-centroid lookup
// that turns a value into its code (Section 3.1: "approximating every input operand by its
// closest representative").
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace rapidnn::cluster {

/// Result of every 1-D k-means (exact DP, fast histogram+Lloyd, Lloyd reference).
struct Codebook1D {
  std::vector<double> centroids;      ///< ascending (strictly, for the exact DP)
  std::vector<std::uint64_t> counts;  ///< points per centroid (nearest-centroid assignment)
  double wcss = 0;                    ///< within-cluster sum of squares, sum_i (x_i - c(x_i))^2
  int iterations = 0;                 ///< Lloyd passes that moved the centroids (0 for pure DP)
  int k() const { return static_cast<int>(centroids.size()); }
};

/// Index of the nearest centroid; ties (x exactly on a midpoint) go to the lower index.
/// `sorted_centroids` must be ascending and non-empty. Binary search on the midpoints
/// (c[i] + c[i+1]) / 2: x goes to the first i with x <= mid(i), else to the last centroid.
/// Equal neighbouring centroids (tree codebooks with unsplittable nodes) are equally near, and
/// resolve to the lowest index of their run.
inline std::uint32_t nearest_index(std::span<const double> sorted_centroids, double x) {
  std::size_t lo = 0, hi = sorted_centroids.size() - 1;  // answer in [lo, hi]
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const double boundary = 0.5 * (sorted_centroids[mid] + sorted_centroids[mid + 1]);
    if (x <= boundary) hi = mid; else lo = mid + 1;
  }
  while (lo > 0 && sorted_centroids[lo - 1] == sorted_centroids[lo]) --lo;
  return static_cast<std::uint32_t>(lo);
}

/// The decision boundaries used by nearest_index_from_midpoints: mids[i] = (c[i] + c[i+1]) / 2
/// (k-1 values). Inside a run of equal centroids the boundary is moved to the run's right end
/// (the next distinct midpoint, or +inf), so that the run's lowest index wins, as in
/// nearest_index; the midpoints stay ascending.
inline std::vector<double> centroid_midpoints(std::span<const double> sorted_centroids) {
  std::vector<double> mids(sorted_centroids.empty() ? 0 : sorted_centroids.size() - 1);
  for (std::size_t i = mids.size(); i-- > 0;) {
    if (sorted_centroids[i] == sorted_centroids[i + 1]) {
      mids[i] = i + 1 < mids.size() ? mids[i + 1] : std::numeric_limits<double>::infinity();
    } else {
      mids[i] = 0.5 * (sorted_centroids[i] + sorted_centroids[i + 1]);
    }
  }
  return mids;
}

/// Same answer as nearest_index, from precomputed midpoints, without data-dependent branches
/// (the number of midpoints strictly below x; Khuong & Morin's branch-free lower bound), for the
/// streaming kernels.
inline std::uint32_t nearest_index_from_midpoints(std::span<const double> mids, double x) {
  std::size_t n = mids.size();
  if (n == 0) return 0;
  const double* base = mids.data();
  while (n > 1) {
    const std::size_t half = n / 2;
    base = base[half] < x ? base + half : base;
    n -= half;
  }
  return static_cast<std::uint32_t>((base - mids.data()) + (*base < x ? 1 : 0));
}

}  // namespace rapidnn::cluster
