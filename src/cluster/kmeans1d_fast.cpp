#include "cluster/kmeans1d_fast.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/input_checks.hpp"
#include "cluster/kmeans1d_optimal.hpp"
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
  if (values.size() <= params.exact_below) return detail::kmeans1d_optimal_as(values, k, what);

  // Pass 2: fine histogram with exact fixed-point bin sums.
  Histogram1D h = make_histogram(range.min, range.max, params.histogram_bins);
  accumulate_histogram(values, h);
  std::vector<double> points, weights;
  h.weighted_points(points, weights);
  if (points.size() < static_cast<std::size_t>(k)) {
    // Fewer occupied bins than clusters: only the exact method can tell whether there are k
    // distinct values (it throws the usual message if not).
    return detail::kmeans1d_optimal_as(values, k, what);
  }
  // Optimal partition among those that do not cut a bin.
  std::vector<double> centroids = kmeans1d_weighted_optimal(points, weights, k).centroids;

  // Passes 3..: Lloyd refinement on the raw values.
  const FixedPointScale& scale = h.scale;
  const double move_tol = params.tolerance * (range.max - range.min);
  int iterations = 0;
  ClusterStats stats;
  for (int pass = 0; pass < params.max_refine_passes; ++pass) {
    stats = cluster_stats(values, centroids, scale);
    if (pass + 1 == params.max_refine_passes) break;
    std::vector<double> next = lloyd_update(stats, centroids, scale);
    double moved = 0;
    for (std::size_t c = 0; c < next.size(); ++c) moved = std::max(moved, std::fabs(next[c] - centroids[c]));
    if (moved <= move_tol) break;  // `stats` still describe `centroids`
    centroids = std::move(next);
    ++iterations;
  }
  return codebook_from_stats(stats, centroids, scale, iterations);
}

}  // namespace rapidnn::cluster
