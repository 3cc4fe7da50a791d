#include "distributed/sharded_kmeans.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/input_checks.hpp"
#include "cluster/kmeans1d_optimal.hpp"
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

cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local, int k,
                                   const cluster::FastKMeansParams& params) {
  constexpr const char* what = "sharded_kmeans";
  RAPIDNN_THROW_IF_NOT(k >= 1, InvalidArgument, "{}: k must be >= 1, got {}", what, k);
  RAPIDNN_THROW_IF_NOT(params.histogram_bins >= 1, InvalidArgument, "{}: histogram_bins must be >= 1, got {}", what,
                       params.histogram_bins);
  RAPIDNN_THROW_IF_NOT(params.max_refine_passes >= 1, InvalidArgument,
                       "{}: max_refine_passes must be >= 1, got {}", what, params.max_refine_passes);
  const ShardedRange range = sharded_range(comm, local, what);

  // Pass 2: the global histogram is the integer sum of the local ones.
  cluster::Histogram1D h = cluster::make_histogram(range.min, range.max, params.histogram_bins);
  if (!local.empty()) cluster::accumulate_histogram(local, h);
  comm.allreduce_sum(std::span<std::uint64_t>(h.counts));
  comm.allreduce_sum(std::span<std::int64_t>(h.sums_q));
  std::vector<double> points, weights;
  h.weighted_points(points, weights);
  RAPIDNN_THROW_IF_NOT(points.size() >= static_cast<std::size_t>(k), InvalidArgument,
                       "{}: only {} occupied histogram bins ({} values in [{}, {}]) for k = {}; raise "
                       "histogram_bins or lower k",
                       what, points.size(), range.count, range.min, range.max, k);
  // Every rank solves the same small DP on the same integers -> the same centroids.
  std::vector<double> centroids = cluster::kmeans1d_weighted_optimal(points, weights, k).centroids;

  const cluster::FixedPointScale& scale = h.scale;
  const double move_tol = params.tolerance * (range.max - range.min);
  int iterations = 0;
  cluster::ClusterStats stats(k);
  for (int pass = 0; pass < params.max_refine_passes; ++pass) {
    stats = local.empty() ? cluster::ClusterStats(k) : cluster::cluster_stats(local, centroids, scale);
    comm.allreduce_sum(stats.words());
    if (pass + 1 == params.max_refine_passes) break;
    std::vector<double> next = cluster::lloyd_update(stats, centroids, scale);
    double moved = 0;
    for (std::size_t c = 0; c < next.size(); ++c) moved = std::max(moved, std::fabs(next[c] - centroids[c]));
    if (moved <= move_tol) break;  // `stats` still describe `centroids`
    centroids = std::move(next);
    ++iterations;
  }
  return cluster::codebook_from_stats(stats, centroids, scale, iterations);
}

}  // namespace rapidnn::distributed
