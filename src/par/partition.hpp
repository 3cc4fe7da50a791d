#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace rapidnn::par {

/// Half-open range [begin, end).
struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const { return end - begin; }
};

/// Contiguous block `part` of `n` items split into `parts` blocks whose sizes differ by at most 1
/// (the first n % parts blocks get the extra item).
Range block_range(std::uint64_t n, int parts, int part);

/// Assigns items of the given costs to `bins` owners, largest first, each to the currently least
/// loaded owner (LPT scheduling; ties broken by lower item index then lower owner), deterministic.
/// Returns owner[item].
std::vector<int> balance_by_cost(std::span<const std::uint64_t> costs, int bins);

}  // namespace rapidnn::par
