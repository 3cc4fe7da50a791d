#include "distributed/sharded_tree.hpp"

#include <vector>

#include "cluster/binned_tree.hpp"
#include "core/error.hpp"
#include "distributed/sharded_kmeans.hpp"

namespace rapidnn::distributed {

cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local,
                                   const cluster::Histogram1D& global, int levels, ShardedTreeStats* stats) {
  cluster::ShardReductions red;
  red.sum = [&](std::span<std::int64_t> w) { comm.allreduce_sum(w); };
  red.min = [&](std::span<float> w) { comm.allreduce_min(w); };
  red.max = [&](std::span<float> w) { comm.allreduce_max(w); };
  red.gather = [&](std::span<const float> mine) { return comm.allgatherv(mine); };
  cluster::BinnedTreeReport rep;
  cluster::TreeCodebook tree = cluster::binned_tree(local, global, levels, red, {}, &rep);
  if (stats != nullptr) {
    stats->gathered_values = rep.gathered_values;
    stats->refined_bins = rep.refined_bins;
    stats->passes = rep.data_passes;
  }
  return tree;
}

cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local, int levels,
                                   const ShardedTreeParams& params, ShardedTreeStats* stats) {
  constexpr const char* what = "sharded_tree";
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= cluster::kMaxTreeLevels, InvalidArgument,
                       "{}: levels must be in [1, {}], got {}", what, cluster::kMaxTreeLevels, levels);
  const cluster::Histogram1D h = sharded_histogram(comm, local, params.bins, cluster::BinExtrema::kKeep, what);
  cluster::TreeCodebook tree = sharded_tree(comm, local, h, levels, stats);
  if (stats != nullptr) stats->passes += 2;  // range and histogram
  return tree;
}

}  // namespace rapidnn::distributed
