#pragma once
// Globally optimal 1-D k-means partition, fast: a good candidate is found cheaply and then PROVED
// optimal with a Lagrangian certificate; when no certificate is found the full k-layer DP runs.
//
//  1. coarse: the exact DP on the occupied cells of an equal-width grid (8k cells), i.e. the best
//     partition that cuts only between cells (a few hundred weighted points instead of n);
//  2. a banded DP pass: an exact DP in which every cut m may move anywhere between the current
//     cuts m-1 and m+1 (all cuts at once, so clusters can be re-allocated between regions);
//  3. certificate: for a penalty lambda the unconstrained problem min_P cost(P) + lambda |P| is one
//     pass of O(n * cluster size) or O(n log n) (its row minima are monotone: concave Monge cost). If its
//     optimum Q has exactly k clusters, then for every k-partition P,
//       cost(P) + lambda k >= cost(Q) + lambda k,
//     so Q is a globally optimal k-partition (the argument behind Wilber 1988 / Gronlund et al.
//     2017's Lagrangian algorithm; the optimal cost C(k) is convex in k for Monge costs, Bein,
//     Larmore & Park 1992, so such a lambda exists unless three consecutive C(k) are collinear).
//     The valid lambdas are [C(k) - C(k+1), C(k-1) - C(k)]: C(k +- 1) are estimated by banded
//     passes from the candidate with one cluster split / two merged; then bisection.
//  4. fallback: the full DP (dp_engine.hpp) whenever 3 finds no certificate within its steps.
//
// So the result is always an optimal partition (up to floating-point rounding of the costs, as
// for the DP itself); in a tie it may differ from the DP's leftmost choice. For n = 4608 Laplace
// values and k = 64 it evaluates ~10x fewer costs than the bounded DP (bench_codebooks).
#include <cstddef>
#include <span>
#include <vector>

#include "cluster/segment_cost.hpp"

namespace rapidnn::cluster::detail {

struct CertifiedPartitionStats {
  int band_passes = 0;      ///< banded DP passes for the candidate (step 2)
  int lambda_steps = 0;     ///< penalised passes (step 3)
  bool certified = false;   ///< false: the full DP produced the result (step 4)
};

/// Start indices (starts[0] = 0) of an optimal k-partition of the sorted points. `points` ascending
/// (used only to place the coarse grid), `cost` built on the same points. 1 <= k <= n.
/// `initial` (optional, k strictly ascending starts with initial[0] = 0): a candidate to start
/// from instead of the coarse DP (e.g. the tree codebook's leaves); it only affects the speed.
template <bool kWeighted>
std::vector<std::size_t> certified_optimal_starts(std::span<const double> points, std::span<const double> weights,
                                                  const SegmentCost<kWeighted>& cost, int k,
                                                  CertifiedPartitionStats* stats = nullptr,
                                                  std::span<const std::size_t> initial = {});

/// Step 2 alone (exposed for tests): the optimal partition among those with every cut m in
/// [lo[m], hi[m]] (m = 1..k-1; lo, hi nondecreasing, lo[m] >= m, hi[m] <= n - k + m).
template <bool kWeighted>
std::vector<std::size_t> banded_optimal_starts(const SegmentCost<kWeighted>& cost, int k,
                                               std::span<const std::size_t> lo, std::span<const std::size_t> hi);

/// Step 3 alone (exposed for tests): an optimal partition (any number of clusters) of
/// min cost(P) + lambda * |P|, as start indices. typical_cluster (points per cluster expected)
/// picks the method: a window scan (O(n * cluster)) up to 64, else a candidate queue (O(n log n)).
template <bool kWeighted>
std::vector<std::size_t> penalized_optimal_starts(const SegmentCost<kWeighted>& cost, double lambda,
                                                  std::size_t typical_cluster);

}  // namespace rapidnn::cluster::detail
