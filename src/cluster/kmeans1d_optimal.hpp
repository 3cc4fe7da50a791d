#pragma once
// Exact (globally optimal) 1-D k-means by dynamic programming over the sorted values, in the
// style of Ckmeans.1d.dp (Wang & Song 2011) and Gronlund et al. 2017 ("Fast exact k-means,
// k-medians and Bregman divergence clustering in 1D"): optimal clusters are contiguous runs of
// the sorted values, and each DP layer is a row-minimum problem on a totally monotone matrix.
// Layers are solved by divide and conquer bounded by the previous layer's argmins, switching to a
// Knuth-Yao sweep (O(n) per layer in practice) once that is predicted cheaper; SMAWK (O(n) per
// layer, O(k*n) after sorting) is implemented too and cross-checked in the tests, but measured
// slower here for n <= 10^6 (see dp_engine.hpp). Above 8k points the entry points below first try
// the certified fast path (certified_partition.hpp: a candidate from a coarse DP and one banded
// pass, proved optimal by a Lagrangian penalty pass; ~5x fewer instructions at n = 4608, k = 64)
// and run the full DP only when no certificate is found.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

/// Exact optimum by DP (sorts a copy). Values float or double.
/// Throws InvalidArgument on empty input, k < 1, a NaN/Inf value, or k > number of distinct values.
Codebook1D kmeans1d_optimal(std::span<const float> values, int k);
Codebook1D kmeans1d_optimal(std::span<const double> values, int k);

/// The same on values already sorted ascending (finite); `what` names the caller in errors.
Codebook1D kmeans1d_optimal_sorted(std::span<const double> sorted, int k, std::string_view what = "kmeans1d_optimal");

/// Exact optimum on weighted points given ascending and distinct (used on histograms: the points
/// are bin means, the weights bin counts). The WCSS is the weighted one, sum_j w_j (p_j - c)^2.
/// Counts are the rounded sums of the weights in each cluster.
Codebook1D kmeans1d_weighted_optimal(std::span<const double> sorted_points,
                                     std::span<const double> weights, int k);

/// Many independent small problems (e.g. every conv output channel of a layer), solved in parallel
/// with oneTBB. Result i belongs to problems[i]; the results do not depend on the thread count.
/// If some problems are bad, the error of the lowest-index bad problem is thrown, prefixed with
/// "problem <i>: ".
std::vector<Codebook1D> kmeans1d_optimal_batch(std::span<const std::span<const float>> problems,
                                               int k);

/// Lower level, for callers that already hold sorted values: the k-1 cluster boundaries of the
/// optimal partition as start indices (cluster c is [starts[c], starts[c+1]) with starts[0] = 0,
/// implicit end n). `sorted` must be ascending, finite, with at least k distinct values.
std::vector<std::size_t> optimal_partition_sorted(std::span<const double> sorted, int k);

/// Reference O(k*n^2) DP without any monotone-matrix speedup, for tests only.
std::vector<std::size_t> optimal_partition_sorted_reference(std::span<const double> sorted, int k);

/// Codebook (means, counts, WCSS) of a given contiguous partition of sorted values. The WCSS is
/// computed two-pass per cluster (mean first, then squared deviations) in long double.
Codebook1D codebook_from_partition(std::span<const double> sorted, std::span<const std::size_t> starts);

}  // namespace rapidnn::cluster
