#pragma once
// Tree codebook (Section 3.1, tree_codebook.hpp) with EXACT 2-means splits, computed from a fine
// histogram plus the exact values of the few bins that can hold an optimal cut. Shared by the
// single-process path and distributed::sharded_tree, which differ only in how the values of
// those bins are collected from the shards (the caller passes the gather). No MPI here.
//
// The values in global ascending order are the bins in order, a resolved bin contributing its
// values one by one. A node is a contiguous range of that order; level by level, per node:
//  * G = S_L^2 / n_L + S_R^2 / n_R (maximised by the optimal split; WCSS = sum q^2 - G) is
//    evaluated exactly at every bin edge and between the values of resolved bins;
//  * bound: a cut inside an unresolved bin b moves j values (1 <= j <= c_b - 1) with sum s in
//    [j min_b, j max_b]; G is jointly convex in (j, s) (a sum of quadratic-over-linear terms), so
//    its maximum over that polygon is at one of its four corners. Only bins whose corner bound can
//    reach the best evaluated G are candidates;
//  * the candidates of all nodes of the level are resolved by ONE streaming pass that extracts
//    their values (and a gather of them, O(n / bins) values per candidate bin). Resolving can only
//    raise the best G, so no other bin becomes a candidate: the best cut (largest G, ties -> the
//    leftmost) is then the exact optimum over all cut positions.
// Cuts are exact in the fixed-point representation of the values (2^-32 of the range), so the
// tree equals build_tree_codebook up to that resolution. Everything is an integer sum, a min/max,
// or sorted gathered values, so the tree is bit-identical for every number of shards.
// Passes over the raw values: at most one per level (none when no bin needs resolving).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "cluster/histogram.hpp"
#include "cluster/tree_codebook.hpp"

namespace rapidnn::cluster {

/// Collects, from every shard, the values that each shard passes in (MPI_Allgatherv across the
/// ranks; the identity for one process). Order of the result: any.
using ValueGatherer = std::function<std::vector<float>(std::span<const float>)>;

struct BinnedTreeReport {
  int data_passes = 0;                ///< extraction passes over the raw values
  std::uint64_t gathered_values = 0;  ///< values resolved (collected from all shards), all levels
};

/// `h`: the problem's GLOBAL histogram; `local`: this shard's values. levels in
/// [1, kMaxTreeLevels]. Same conventions as build_tree_codebook for unsplittable nodes.
TreeCodebook binned_tree(std::span<const float> local, const Histogram1D& h, int levels,
                         const ValueGatherer& gather, BinnedTreeReport* report = nullptr);

}  // namespace rapidnn::cluster
