#pragma once
// 1-D k-means for huge inputs (VGG-16 fc6: ~103M weights; activation samples): a fine histogram,
// the exact weighted DP on the bin means, then Lloyd refinement passes on the raw values. Every
// pass is a streaming read of the values; all reductions are exact integer sums (see
// fixed_point_stats.hpp), so the result does not depend on the thread count.
//
// The pipeline, with the passes over the raw values marked [raw]:
//   1. [raw] global min/max (also rejects NaN/Inf);
//   2. [raw] fine histogram (histogram_bins) with exact per-bin fixed-point sums;
//   3. exact weighted DP on the non-empty bins' means, merged into at most dp_points groups of
//      consecutive bins (the DP is the only super-linear step; merging keeps it small);
//   4. Lloyd on the fine bins' means (weights = counts) until one more step would lower the WCSS
//      by less than tolerance * WCSS: cheap, no raw pass;
//   5. [raw] exact Lloyd steps on the raw values (binned_kmeans.hpp): whole bins from the
//      histogram, the few bins holding a decision boundary resolved into their values by one
//      extraction pass; steps stop when the next one would lower the WCSS by at most
//      tolerance * WCSS.
// So 3 raw passes in all (a 4th only when a boundary moves into a bin not extracted yet). If
// fewer than k bins are occupied (extreme outliers stretch the range), the fine points are the
// distinct values with their counts instead (one radix sort, O(n) memory) and the result is the
// exact optimum.
#include <span>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

struct FastKMeansParams {
  int histogram_bins = 1 << 16;
  /// At most this many passes over the raw values after the histogram (each extracts the values
  /// of the bins holding a decision boundary; >= 1).
  int max_refine_passes = 2;
  /// At most this many exact Lloyd steps on the raw values (`iterations` in the result).
  int max_lloyd_steps = 8;
  /// Stop refining when one more Lloyd step would lower the WCSS by at most tolerance * WCSS.
  double tolerance = 1e-9;
  /// At most this many weighted points (merged consecutive bins) enter the DP (step 3).
  int dp_points = 16384;
  /// Cap on the Lloyd iterations on the fine histogram (step 4).
  int histogram_lloyd_iterations = 200;
  /// Inputs with at most this many values are solved exactly (kmeans1d_optimal) instead.
  std::size_t exact_below = 1 << 14;
};

/// Huge inputs: fine histogram -> exact weighted DP on bins -> Lloyd refinement passes on the raw
/// values. Centroids ascending; counts and WCSS are those of the returned centroids (WCSS of the
/// values quantised to 2^-32 of their range). Same input errors as kmeans1d_optimal.
Codebook1D kmeans1d_fast(std::span<const float> values, int k, const FastKMeansParams& = {});

}  // namespace rapidnn::cluster
