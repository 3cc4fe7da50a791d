#include "cluster/kmeans1d_fast.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/input_checks.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/sort_values.hpp"
#include "cluster/weighted_lloyd.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

Codebook1D kmeans1d_fast(std::span<const float> values, int k, const FastKMeansParams& params) {
  constexpr std::string_view what = "kmeans1d_fast";
  detail::check_not_empty(values.size(), what);
  detail::check_k_positive(k, what);
  RAPIDNN_THROW_IF_NOT(params.histogram_bins >= 1, InvalidArgument,
                       "{}: histogram_bins must be >= 1, got {}", what, params.histogram_bins);
  RAPIDNN_THROW_IF_NOT(params.max_refine_passes >= 1, InvalidArgument,
                       "{}: max_refine_passes must be >= 1, got {}", what, params.max_refine_passes);
  const ValueRange range = detail::checked_value_range(values, what);  // pass 1: also rejects NaN/Inf
  detail::check_magnitude(range.min, range.max, what);
  if (values.size() <= params.exact_below) return detail::kmeans1d_optimal_as(values, k, what);

  // Pass 2: fine histogram with exact fixed-point bin sums.
  Histogram1D h = make_histogram(range.min, range.max, params.histogram_bins);
  accumulate_histogram(values, h);
  std::vector<double> points, weights;
  h.weighted_points(points, weights);
  if (points.size() < static_cast<std::size_t>(k)) {
    // Fewer occupied bins than clusters: the values are concentrated far below the bin width
    // (a few extreme outliers stretch the range). Use the distinct values with their counts as
    // the fine points instead (one radix sort; O(n) memory, never the k*n DP table), which also
    // tells whether there are k distinct values at all.
    const std::vector<float> sorted = sorted_copy(values);
    points.clear();
    weights.clear();
    for (std::size_t i = 0; i < sorted.size();) {
      std::size_t j = i + 1;
      while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
      points.push_back(sorted[i]);
      weights.push_back(static_cast<double>(j - i));
      i = j;
    }
    detail::check_k_distinct(k, points.size(), what);
  }
  // Step 3: exact DP on at most dp_points groups of consecutive non-empty bins (equal numbers of
  // bins per group): the optimal partition among those that do not cut a group.
  const std::size_t groups = std::max<std::size_t>(static_cast<std::size_t>(std::max(params.dp_points, 1)),
                                                   static_cast<std::size_t>(k));
  std::vector<double> centroids;
  if (points.size() <= groups) {
    centroids = kmeans1d_weighted_optimal(points, weights, k).centroids;
  } else {
    std::vector<double> gp(groups), gw(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t b = g * points.size() / groups, e = (g + 1) * points.size() / groups;
      long double w = 0, wp = 0;
      for (std::size_t t = b; t < e; ++t) {
        w += weights[t];
        wp += static_cast<long double>(weights[t]) * points[t];
      }
      gw[g] = static_cast<double>(w);
      gp[g] = static_cast<double>(wp / w);
    }
    // Group means are strictly ascending (disjoint groups of distinct ascending points) unless
    // rounding collapses two; merge such pairs.
    std::size_t m = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      if (m > 0 && gp[g] <= gp[m - 1]) {
        const double w = gw[m - 1] + gw[g];
        gp[m - 1] = (gp[m - 1] * gw[m - 1] + gp[g] * gw[g]) / w;
        gw[m - 1] = w;
      } else {
        gp[m] = gp[g];
        gw[m] = gw[g];
        ++m;
      }
    }
    gp.resize(m);
    gw.resize(m);
    centroids = m >= static_cast<std::size_t>(k) ? kmeans1d_weighted_optimal(gp, gw, k).centroids
                                                 : kmeans1d_weighted_optimal(points, weights, k).centroids;
  }
  // Step 4: Lloyd on the fine points (no raw pass); capped at ~2e7 point visits when the fine
  // points are the distinct values of a huge input.
  const int fine_iterations = static_cast<int>(std::min<std::size_t>(
      static_cast<std::size_t>(std::max(params.histogram_lloyd_iterations, 0)),
      std::size_t{20'000'000} / points.size()));
  centroids = weighted_lloyd_sorted(points, weights, centroids, fine_iterations, params.tolerance).centroids;

  // Step 5: refinement passes on the raw values.
  const FixedPointScale& scale = h.scale;
  int iterations = 0;
  ClusterStats stats;
  for (int pass = 0; pass < params.max_refine_passes; ++pass) {
    stats = cluster_stats(values, centroids, scale);
    if (pass + 1 == params.max_refine_passes) break;
    // Exact gain of one more Lloyd step: WCSS(c) - WCSS(means) = sum_j n_j (c_j - mean_j)^2.
    long double wcss = 0, gain = 0;
    for (int c = 0; c < k; ++c) {
      wcss += stats.ss_about(c, centroids[static_cast<std::size_t>(c)], scale);
      if (stats.count(c) == 0) continue;
      const long double d = static_cast<long double>(stats.mean(c, scale)) - centroids[static_cast<std::size_t>(c)];
      gain += static_cast<long double>(stats.count(c)) * d * d;
    }
    if (gain <= params.tolerance * wcss) break;  // `stats` still describe `centroids`
    centroids = lloyd_update(stats, centroids, scale);
    ++iterations;
  }
  return codebook_from_stats(stats, centroids, scale, iterations);
}

}  // namespace rapidnn::cluster
