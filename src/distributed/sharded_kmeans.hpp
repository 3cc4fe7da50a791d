#pragma once
// 1-D k-means of ONE problem whose values are spread over the ranks (a shard each): VGG-16 fc6
// (~103M weights), the per-layer activation samples. The algorithm is cluster::kmeans1d_fast's --
// a fine histogram, the exact weighted DP on the bin means, then exact Lloyd steps on the raw
// values (cluster/binned_kmeans.hpp) -- with every reduction done across the ranks on exact
// integers:
//   pass 1  local min/max                          -> allreduce min/max (2 doubles) + count
//   pass 2  fixed-point histogram                  -> allreduce of 2 x bins int64 (+ min/max per bin for a tree)
//   pass 3  values of the bins holding a boundary  -> kept locally; each Lloyd step allreduces
//                                                     2k int64 (O(k) per step)
// Integer sums are associative, so the codebook is bit-identical for any rank count and any
// split of the values into shards (and equal to kmeans1d_fast on one rank for inputs above its
// exact_below). No value is ever communicated.
#include <cstdint>
#include <span>

#include "cluster/codebook.hpp"
#include "cluster/histogram.hpp"
#include "cluster/kmeans1d_fast.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

/// Global [min, max] and count of a sharded problem (collective; checks for NaN/Inf on every
/// rank and reports the failure on all of them).
struct ShardedRange {
  double min = 0, max = 0;
  std::uint64_t count = 0;
};
ShardedRange sharded_range(const par::Communicator& comm, std::span<const float> local, const char* what);

/// Passes 1-2: the GLOBAL histogram of a sharded problem (identical on every rank); the per-bin
/// min/max (kKeep) only where a tree will be built on it.
cluster::Histogram1D sharded_histogram(const par::Communicator& comm, std::span<const float> local, int bins,
                                       cluster::BinExtrema extrema, const char* what);

/// Collective. `local` may be empty on some ranks. Throws InvalidArgument (on every rank) when
/// the union is empty, holds NaN/Inf, or has fewer occupied histogram bins than k.
/// `params.exact_below` is ignored: the sharded path never gathers values.
cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local, int k,
                                   const cluster::FastKMeansParams& params = {}, int* data_passes = nullptr);
/// The same on a histogram already built with sharded_histogram(params.histogram_bins) (the
/// codebook job shares it with the tree).
cluster::Codebook1D sharded_kmeans(const par::Communicator& comm, std::span<const float> local,
                                   const cluster::Histogram1D& global, int k,
                                   const cluster::FastKMeansParams& params = {}, int* data_passes = nullptr);

}  // namespace rapidnn::distributed
