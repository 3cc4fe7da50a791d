#pragma once
// Tree codebook (Section 3.1, cluster/tree_codebook.hpp) of ONE problem sharded over the ranks,
// with every split an EXACT 2-means split of the node's values (cluster/binned_tree.hpp): the
// global fine histogram (2 passes, shared with the flat codebook in the codebook job), then
// typically two more streaming passes: one refines the bins that can hold an optimal cut into
// sub-histograms (allreduced, O(refined bins x sub-bins) integers), one allgathers the values of
// the few small cells left (at most gather_below values each). Communication never grows with
// n. Everything reduced is an integer or a min/max and the gathered values are sorted, so the
// tree is bit-identical for every rank count, and equal to cluster::build_tree_codebook up to the
// fixed-point resolution.
#include <span>

#include "cluster/histogram.hpp"
#include "cluster/tree_codebook.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

struct ShardedTreeParams {
  /// Bins of the problem's histogram (when sharded_tree builds it).
  int bins = 1 << 16;
};

/// Per-problem bookkeeping, for the benchmark's "bytes per pass" and the result file.
struct ShardedTreeStats {
  std::uint64_t gathered_values = 0;  ///< values allgathered over all levels
  std::uint64_t refined_bins = 0;     ///< bins split into sub-histograms
  int passes = 0;                     ///< streaming passes over the local values
};

/// Collective. Same input errors as cluster::build_tree_codebook (on every rank).
cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local, int levels,
                                   const ShardedTreeParams& params = {}, ShardedTreeStats* stats = nullptr);
/// The same on a histogram already built with sharded_histogram (its passes are not counted).
cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local,
                                   const cluster::Histogram1D& global, int levels, ShardedTreeStats* stats = nullptr);

}  // namespace rapidnn::distributed
