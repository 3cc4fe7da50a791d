#pragma once
// Tree codebook (Section 3.1, cluster/tree_codebook.hpp) of ONE problem sharded over the ranks,
// with every split an EXACT 2-means split of the node's values, without moving the values.
//
// Level by level, ONE streaming pass per level (levels + 1 passes in all):
//  * the histograms of level l's nodes (count, fixed-point sum, min, max per bin; reduced with
//    integer MPI sums and min/max: O(bins) words) give G = S_L^2/n_L + S_R^2/n_R (maximised by
//    the optimal split; WCSS = sum q^2 - G) exactly at every bin boundary;
//  * bound: a cut inside bin b moves j values (1 <= j <= c_b - 1) with sum s in
//    [j min_b, j max_b]; G is jointly convex in (j, s) (a sum of quadratic-over-linear terms),
//    so its maximum over that polygon is at one of its four corners. Only bins whose corner
//    bound can reach the best boundary are candidates; the optimal cut lies in the span of bins
//    from the first to the last candidate (or near-best boundary);
//  * the pass: a value left of its node's span goes to the left child, right of it to the right
//    child, and is counted at once in the child's histogram (level l+1); a value inside the span
//    is kept aside locally, and only those in candidate bins are allgathered (O(n / bins)
//    values). With them every cut position is evaluated, the best cut (largest G, ties -> the
//    leftmost) is the exact optimum, and the kept-aside values are added to their children.
// The best cut is the exact optimum over all n-1 cut positions in the fixed-point
// representation of the values (resolution 2^-32 of the problem's range), so the tree equals
// cluster::build_tree_codebook up to that resolution. Everything reduced is an integer or a
// min/max and the gathered values are sorted, so the tree is bit-identical for every rank count.
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
