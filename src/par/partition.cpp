#include "par/partition.hpp"

#include <algorithm>
#include <numeric>
#include <queue>

#include "core/error.hpp"

namespace rapidnn::par {

Range block_range(std::uint64_t n, int parts, int part) {
  RAPIDNN_ASSERT(parts > 0 && part >= 0 && part < parts);
  const std::uint64_t p = static_cast<std::uint64_t>(parts), i = static_cast<std::uint64_t>(part);
  const std::uint64_t base = n / p, extra = n % p;
  const std::uint64_t begin = i * base + std::min(i, extra);
  return {begin, begin + base + (i < extra ? 1 : 0)};
}

std::vector<int> balance_by_cost(std::span<const std::uint64_t> costs, int bins) {
  RAPIDNN_ASSERT(bins > 0);
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  using Load = std::pair<std::uint64_t, int>;  // (load, owner): min-heap by load, then owner
  std::priority_queue<Load, std::vector<Load>, std::greater<>> heap;
  for (int b = 0; b < bins; ++b) heap.emplace(0, b);
  std::vector<int> owner(costs.size(), 0);
  for (std::size_t item : order) {
    auto [load, b] = heap.top();
    heap.pop();
    owner[item] = b;
    heap.emplace(load + costs[item], b);
  }
  return owner;
}

}  // namespace rapidnn::par
