#include "distributed/sharded_kmeans.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "cluster/binned_kmeans.hpp"
#include "cluster/input_checks.hpp"
#include "core/error.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::distributed {

ShardedRange sharded_range(const par::Communicator& comm, std::span<const float> local, const char* what) {
  double mm[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  // A NaN on one rank must not leave the others waiting in the next collective.
  par::coordinated(comm, [&] {
    if (local.empty()) return;
    // Throws on NaN/Inf, naming the index within this rank's shard.
    const cluster::ValueRange r =
        cluster::detail::checked_value_range(local, fmt::format("{} (rank {}'s shard)", what, comm.rank()));
    mm[0] = r.min;
    mm[1] = -r.max;
  });
  comm.allreduce_min(std::span<double>(mm, 2));
  ShardedRange out;
  out.count = comm.sum<std::uint64_t>(local.size());
  RAPIDNN_THROW_IF_NOT(out.count > 0, InvalidArgument, "{}: the problem has no values on any rank", what);
  out.min = mm[0];
  out.max = -mm[1];
  return out;
}

cluster::Histogram1D sharded_histogram(const par::Communicator& comm, std::span<const float> local, int bins,
                                       cluster::BinExtrema extrema, const char* what) {
  RAPIDNN_THROW_IF_NOT(bins >= 1 && bins <= cluster::kMaxHistogramBins, InvalidArgument,
                       "{}: histogram bins must be in [1, {}], got {}", what, cluster::kMaxHistogramBins, bins);
  const ShardedRange range = sharded_range(comm, local, what);
  cluster::Histogram1D h = cluster::make_histogram(range.min, range.max, bins, extrema);
  if (!local.empty()) cluster::accumulate_histogram(local, h);
  // The global histogram is the integer sum (and min/max) of the local ones.
  comm.allreduce_sum(std::span<std::uint64_t>(h.counts));
  comm.allreduce_sum(std::span<std::int64_t>(h.sums_q));
  comm.allreduce_sum(std::span<std::int64_t>(h.q2_words, 2));
  if (h.has_extrema()) {
    comm.allreduce_min(std::span<float>(h.mins));
    comm.allreduce_max(std::span<float>(h.maxs));
  }
  return h;
}

cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local,
                                   const cluster::Histogram1D& h, int k, const cluster::FastKMeansParams& params,
                                   int* data_passes) {
  constexpr const char* what = "sharded_kmeans";
  RAPIDNN_THROW_IF_NOT(k >= 1, InvalidArgument, "{}: k must be >= 1, got {}", what, k);
  RAPIDNN_THROW_IF_NOT(params.max_refine_passes >= 1, InvalidArgument,
                       "{}: max_refine_passes must be >= 1, got {}", what, params.max_refine_passes);
  std::size_t occupied = 0;
  for (const auto c : h.counts) occupied += c > 0 ? 1 : 0;
  RAPIDNN_THROW_IF_NOT(occupied >= static_cast<std::size_t>(k), InvalidArgument,
                       "{}: only {} occupied histogram bins ({} values in [{}, {}]) for k = {}; raise "
                       "histogram_bins or lower k",
                       what, occupied, h.total_count(), h.min, h.max, k);
  // Every rank solves the same small DP on the same integers -> the same centroids.
  cluster::BinnedRefineReport rep;
  const cluster::Codebook1D cb = cluster::binned_refine(
      local, h, cluster::histogram_centroids(h, k, params), params,
      [&](std::span<std::int64_t> words) { comm.allreduce_sum(words); }, &rep);
  if (data_passes != nullptr) *data_passes = 2 + rep.data_passes;
  return cb;
}

cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local, int k,
                                   const cluster::FastKMeansParams& params, int* data_passes) {
  RAPIDNN_THROW_IF_NOT(k >= 1, InvalidArgument, "sharded_kmeans: k must be >= 1, got {}", k);
  // The flat codebook needs no per-bin min/max.
  const cluster::Histogram1D h =
      sharded_histogram(comm, local, params.histogram_bins, cluster::BinExtrema::kSkip, "sharded_kmeans");
  return sharded_kmeans(comm, local, h, k, params, data_passes);
}

}  // namespace rapidnn::distributed
