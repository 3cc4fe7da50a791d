#include "cluster/weighted_lloyd.hpp"

#include "core/error.hpp"

namespace rapidnn::cluster {

WeightedLloydResult weighted_lloyd_sorted(std::span<const double> points, std::span<const double> weights,
                                          std::span<const double> initial_centroids, int max_iterations,
                                          double tolerance) {
  RAPIDNN_ASSERT(points.size() == weights.size() && !initial_centroids.empty());
  WeightedLloydResult r;
  r.centroids.assign(initial_centroids.begin(), initial_centroids.end());
  const std::size_t k = r.centroids.size();
  std::vector<long double> sw(k), swp(k);
  for (int it = 0;; ++it) {
    const std::vector<double> mids = centroid_midpoints(r.centroids);
    std::fill(sw.begin(), sw.end(), 0.0L);
    std::fill(swp.begin(), swp.end(), 0.0L);
    long double wcss = 0;
    std::size_t j = 0;
    for (std::size_t p = 0; p < points.size(); ++p) {
      while (j < mids.size() && mids[j] < points[p]) ++j;  // same rule as nearest_index
      sw[j] += weights[p];
      swp[j] += static_cast<long double>(weights[p]) * points[p];
      const long double d = points[p] - r.centroids[j];
      wcss += weights[p] * d * d;
    }
    r.wcss = static_cast<double>(wcss);
    long double gain = 0;
    std::vector<double> next(r.centroids);
    for (std::size_t c = 0; c < k; ++c) {
      if (sw[c] <= 0) continue;
      const long double m = swp[c] / sw[c];
      const long double d = m - r.centroids[c];
      gain += sw[c] * d * d;
      next[c] = static_cast<double>(m);
    }
    if (it >= max_iterations || gain <= tolerance * wcss) break;
    r.centroids = std::move(next);
    ++r.iterations;
  }
  return r;
}

}  // namespace rapidnn::cluster
