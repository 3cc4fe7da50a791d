#pragma once
// 1-D k-means on a fine histogram plus the exact values of the few bins that matter, shared by
// the single-process kmeans1d_fast and the sharded distributed::sharded_kmeans (which differ only
// in how partial sums are reduced). No MPI here: the caller passes the reduction.
//
//  * histogram_centroids: the exact weighted DP on the occupied bins' means (merged into at most
//    dp_points groups of consecutive bins), then Lloyd on the bins' means -- the histogram alone;
//  * binned_refine: exact Lloyd steps on the raw values. A bin lies wholly in one cluster unless a
//    decision boundary (a centroid midpoint m) falls in it, i.e. bin_of(m) == b: the bin map is
//    monotone, so bin_of(m) < bin_of(x) implies m < x. Whole bins are assigned from the global
//    histogram; the values of the boundary bins (and their neighbours, where the boundaries move
//    next) are extracted from this shard's values in one streaming pass, kept locally, and their
//    partial counts and sums are reduced (2k integers). The WCSS follows from the histogram's
//    exact total sum of q^2: sum q^2 - sum_c S_c^2 / n_c + sum_c n_c (mean_c - c)^2.
// So a refinement costs one pass over the raw values (plus one more only if a boundary moves
// into a bin not extracted yet), and any number of Lloyd steps after that cost O(bins + values
// of the boundary bins) each.
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "cluster/codebook.hpp"
#include "cluster/histogram.hpp"
#include "cluster/kmeans1d_fast.hpp"

namespace rapidnn::cluster {

/// Sums integer statistics over all shards of a problem, in place (MPI_SUM across the ranks; a
/// no-op for one process). Called at the same points by every shard.
using SumReducer = std::function<void(std::span<std::int64_t>)>;

/// Steps 3-4 of kmeans1d_fast: centroids (ascending) from the global histogram alone. Requires at
/// least k occupied bins.
std::vector<double> histogram_centroids(const Histogram1D& h, int k, const FastKMeansParams& params);

struct BinnedRefineReport {
  int data_passes = 0;   ///< streaming passes over the raw values (extractions)
  int lloyd_steps = 0;   ///< Lloyd steps that moved the centroids (= Codebook1D::iterations)
};

/// Exact Lloyd refinement of `centroids` on the values of one problem: `h` is the problem's
/// GLOBAL histogram, `local` this shard's values (all of them for one process). Stops when one
/// more step would lower the WCSS by at most params.tolerance * WCSS, after
/// params.max_lloyd_steps steps, or when the next step would need a pass beyond
/// params.max_refine_passes. The codebook's counts and WCSS are those of its centroids.
Codebook1D binned_refine(std::span<const float> local, const Histogram1D& h, std::vector<double> centroids,
                         const FastKMeansParams& params, const SumReducer& reduce,
                         BinnedRefineReport* report = nullptr);

}  // namespace rapidnn::cluster
