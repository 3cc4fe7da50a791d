#include "cluster/kmeans1d_fast.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/binned_kmeans.hpp"
#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/input_checks.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/sort_values.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

Codebook1D kmeans1d_fast(std::span<const float> values, int k, const FastKMeansParams& params) {
  constexpr std::string_view what = "kmeans1d_fast";
  detail::check_not_empty(values.size(), what);
  detail::check_k_positive(k, what);
  RAPIDNN_THROW_IF_NOT(params.histogram_bins >= 1 && params.histogram_bins <= kMaxHistogramBins, InvalidArgument,
                       "{}: histogram_bins must be in [1, {}], got {}", what, kMaxHistogramBins,
                       params.histogram_bins);
  RAPIDNN_THROW_IF_NOT(params.max_refine_passes >= 1, InvalidArgument,
                       "{}: max_refine_passes must be >= 1, got {}", what, params.max_refine_passes);
  const ValueRange range = detail::checked_value_range(values, what);  // pass 1: also rejects NaN/Inf
  detail::check_magnitude(range.min, range.max, what);
  if (values.size() <= params.exact_below) return detail::kmeans1d_optimal_as(values, k, what);

  // Pass 2: fine histogram with exact fixed-point bin sums.
  Histogram1D h = make_histogram(range.min, range.max, params.histogram_bins, BinExtrema::kSkip);
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
    // The distinct values with their counts are the data itself: their weighted DP is the exact
    // optimum; one stats pass gives its counts and WCSS in the fixed-point representation.
    const std::vector<double> centroids = kmeans1d_weighted_optimal(points, weights, k).centroids;
    return codebook_from_stats(cluster_stats(values, centroids, h.scale), centroids, h.scale, 0);
  }
  // Steps 3-5.
  return binned_refine(values, h, histogram_centroids(h, k, params), params, [](std::span<std::int64_t>) {});
}

}  // namespace rapidnn::cluster
