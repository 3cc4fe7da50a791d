#pragma once
// 1-D k-means of ONE problem whose values are spread over the ranks (a shard each): VGG-16 fc6
// (~103M weights), the per-layer activation samples. The algorithm is the one of
// cluster::kmeans1d_fast -- a fine histogram, the exact weighted DP on the bin means, then Lloyd
// passes on the raw values -- with every reduction done across the ranks on exact integers:
//   pass 1  local min/max               -> allreduce min/max (2 doubles) + count
//   pass 2  fixed-point histogram       -> allreduce of 2 x bins int64  (O(bins))
//   pass 3+ fixed-point cluster stats   -> allreduce of 4 k int64       (O(k) per pass)
// Integer sums are associative, so the codebook is bit-identical for any rank count and any
// split of the values into shards (and equal to kmeans1d_fast on one rank for inputs above its
// exact_below). No value is ever communicated.
#include <cstdint>
#include <span>

#include "cluster/codebook.hpp"
#include "cluster/kmeans1d_fast.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

/// Collective. `local` may be empty on some ranks. Throws InvalidArgument (on every rank) when
/// the union is empty, holds NaN/Inf, or has fewer occupied histogram bins than k.
/// `params.exact_below` is ignored: the sharded path never gathers values.
cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local, int k,
                                   const cluster::FastKMeansParams& params = {});

/// Global [min, max] and count of a sharded problem (collective; checks for NaN/Inf on every
/// rank and reports the failure on all of them).
struct ShardedRange {
  double min = 0, max = 0;
  std::uint64_t count = 0;
};
ShardedRange sharded_range(const par::Communicator& comm, std::span<const float> local, const char* what);

}  // namespace rapidnn::distributed
