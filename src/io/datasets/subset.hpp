#pragma once
// Deterministic subsets, e.g. a 6000-sample training subset for a quick run. Both forms depend
// only on their arguments (never on the rank count or the thread schedule).
#include <cstdint>
#include <span>

#include "io/datasets/dataset.hpp"

namespace rapidnn::datasets {

/// RNG domain of the subset sample (CounterRng(seed, kDatasetSubsetDomain, step)); kept apart from
/// the core domains so that the subset is independent of weight init, shuffling and sampling.
inline constexpr std::uint32_t kDatasetSubsetDomain = 101;

/// The samples at `indices` (each in [0, n)), in that order.
Dataset select_rows(const Dataset& data, std::span<const std::int64_t> indices);

/// The first `count` samples (all when count >= n).
Dataset take_first(const Dataset& data, std::int64_t count);

/// `count` distinct samples drawn uniformly without replacement by a partial Fisher-Yates shuffle
/// whose step i draws from CounterRng(seed, kDatasetSubsetDomain, i); returned in ascending
/// original order. Throws InvalidArgument when count > n.
std::vector<std::int64_t> sample_indices(std::int64_t n, std::int64_t count, std::uint64_t seed);
Dataset sample_subset(const Dataset& data, std::int64_t count, std::uint64_t seed);

}  // namespace rapidnn::datasets
