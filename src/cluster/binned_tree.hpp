#pragma once
// Tree codebook (Section 3.1, tree_codebook.hpp) with EXACT 2-means splits, computed from a fine
// histogram plus the exact contents of the few cells that can hold an optimal cut. Shared by the
// single-process path and distributed::sharded_tree, which differ only in how partial
// statistics are reduced across the shards (the caller passes the reductions). No MPI here.
//
// The values in global ascending order are a sequence of cells: the histogram's bins, a bin
// refined into sub-bins, or a cell resolved into its values one by one. A node is a contiguous
// range of that order; level by level, per node:
//  * G = S_L^2 / n_L + S_R^2 / n_R (maximised by the optimal split; WCSS = sum q^2 - G) is
//    evaluated exactly at every cell edge and between the values of resolved cells;
//  * bound: a cut inside an unresolved cell moves j values (1 <= j <= c - 1) with sum s in
//    [j min, j max]; G is jointly convex in (j, s) (a sum of quadratic-over-linear terms), so its
//    maximum over that polygon is at one of its four corners. Only cells whose corner bound can
//    reach the best evaluated G are candidates;
//  * a candidate with many values is REFINED: one streaming pass builds the sub-histograms of all
//    such bins (refine_bins sub-bins each, over the bin's [min, max]) and reduces them -- O(bins)
//    integers, like the histogram itself; a candidate with few values (<= gather_below) is
//    RESOLVED: its values are collected from all shards. So no pass moves O(n) data: the values
//    collected per candidate are bounded by gather_below.
// The cells each level will need are predicted from the tree cut at the best cell edges (the
// histogram alone), refined and resolved up front (2 passes in all, typically); the exact levels
// handle whatever the prediction missed with further passes. Resolving can only raise the best G,
// so the best cut (largest G, ties -> the leftmost) is the exact optimum over all cut positions.
// Cuts are exact in the fixed-point representation of the values (2^-32 of the range), so the
// tree equals build_tree_codebook up to that resolution. Everything reduced is an integer sum, a
// min/max, or sorted collected values, so the tree is bit-identical for every number of shards.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "cluster/histogram.hpp"
#include "cluster/tree_codebook.hpp"

namespace rapidnn::cluster {

/// How the shards of one problem combine partial results (MPI collectives across the ranks;
/// identities for one process). Every shard calls them at the same points with equal sizes.
struct ShardReductions {
  std::function<void(std::span<std::int64_t>)> sum;
  std::function<void(std::span<float>)> min, max;
  /// Every shard's values, concatenated (any order).
  std::function<std::vector<float>(std::span<const float>)> gather;
  /// For one process.
  static ShardReductions identity();
};

struct BinnedTreeParams {
  int refine_bins = 256;      ///< sub-bins of a refined bin
  int gather_below = 512;     ///< a candidate cell with at most this many values is collected
};

struct BinnedTreeReport {
  int data_passes = 0;                ///< passes over the raw values (refinements, collections)
  std::uint64_t gathered_values = 0;  ///< values collected from all shards, all levels
  std::uint64_t refined_bins = 0;     ///< bins split into sub-bins
};

/// `h`: the problem's GLOBAL histogram; `local`: this shard's values. levels in
/// [1, kMaxTreeLevels]. Same conventions as build_tree_codebook for unsplittable nodes.
TreeCodebook binned_tree(std::span<const float> local, const Histogram1D& h, int levels,
                         const ShardReductions& comm, const BinnedTreeParams& params = {},
                         BinnedTreeReport* report = nullptr);

}  // namespace rapidnn::cluster
