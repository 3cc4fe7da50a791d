#pragma once
// Tree codebook (Section 3.1, cluster/tree_codebook.hpp) of ONE problem sharded over the ranks,
// with every split an EXACT 2-means split of the node's values, without moving the values.
//
// Level by level (all nodes of a level in one streaming pass):
//  1. histogram pass: each value is routed to its node by the thresholds found so far and counted
//     in a per-node fine histogram (count, fixed-point sum, min, max per bin); the per-node
//     fixed-point ClusterStats of the same pass give the level's WCSS. Reduced with integer
//     MPI sums and min/max: O(bins) words per level, independent of n.
//  2. bound: in 1-D, minimising the split's WCSS = maximising G = S_L^2/n_L + S_R^2/n_R. G is
//     known exactly at every bin boundary. A cut inside bin b moves j values (1 <= j <= c_b - 1)
//     with sum s in [j min_b, j max_b]; G is jointly convex in (j, s) (a sum of
//     quadratic-over-linear terms), so its maximum over that polygon is at one of its four
//     corners. Bins whose corner bound cannot beat the best boundary are discarded.
//  3. gather pass: only the values in the surviving bins (a few bins around the optimum, O(n /
//     bins) values) are allgathered; with them every cut position in those bins is evaluated.
// The best cut (largest G; ties -> leftmost) is the exact optimum over all n-1 cut positions in
// the fixed-point representation of the values (resolution 2^-32 of the problem's range), so
// the result equals cluster::build_tree_codebook up to that resolution. Everything reduced is
// an integer or a min/max and the gathered values are sorted, so the tree is bit-identical for
// every rank count.
#include <span>

#include "cluster/tree_codebook.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

struct ShardedTreeParams {
  /// Histogram bins per level, shared by the level's nodes (each gets max(64, bins / 2^l)).
  int bins_per_level = 1 << 16;
};

/// Per-level bookkeeping, for the benchmark's "bytes per pass" and the result file.
struct ShardedTreeStats {
  std::uint64_t gathered_values = 0;  ///< values allgathered over all levels (O(n / bins))
  int passes = 0;                     ///< streaming passes over the local values
};

/// Collective. Same input errors as cluster::build_tree_codebook (on every rank).
cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local, int levels,
                                   const ShardedTreeParams& params = {}, ShardedTreeStats* stats = nullptr);

}  // namespace rapidnn::distributed
