#pragma once
// 1-D k-means for huge inputs (VGG-16 fc6: ~103M weights; activation samples): a fine histogram,
// the exact weighted DP on the bin means, then Lloyd refinement passes on the raw values. Every
// pass is a streaming read of the values; all reductions are exact integer sums (see
// fixed_point_stats.hpp), so the result does not depend on the thread count.
#include <span>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

struct FastKMeansParams {
  int histogram_bins = 1 << 16;
  /// Passes over the raw values after the histogram. Each pass assigns the values to the current
  /// centroids (giving their counts and WCSS); all but the last then move the centroids to their
  /// cluster means (a Lloyd step, never increasing the WCSS). So p passes = p - 1 Lloyd steps.
  int max_refine_passes = 3;
  /// Stop early when no centroid moved by more than tolerance * (max - min).
  double tolerance = 1e-9;
  /// Inputs with at most this many values are solved exactly (kmeans1d_optimal) instead.
  std::size_t exact_below = 1 << 14;
};

/// Huge inputs: fine histogram -> exact weighted DP on bins -> Lloyd refinement passes on the raw
/// values. Centroids ascending; counts and WCSS are those of the returned centroids (WCSS of the
/// values quantised to 2^-32 of their range). Same input errors as kmeans1d_optimal.
Codebook1D kmeans1d_fast(std::span<const float> values, int k, const FastKMeansParams& = {});

}  // namespace rapidnn::cluster
