#include "distributed/work_plan.hpp"

#include <bit>

#include "core/error.hpp"

namespace rapidnn::distributed {

std::vector<Problem> plan_weight_problems(std::span<const LayerSpec> layers, std::uint64_t shard_above) {
  std::vector<Problem> out;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerSpec& s = layers[l];
    RAPIDNN_THROW_IF_NOT(s.fan_in > 0 && s.outputs > 0, InvalidArgument,
                         "layer '{}': empty weight matrix ({} x {})", s.name, s.fan_in, s.outputs);
    if (s.conv) {
      for (std::uint64_t c = 0; c < s.outputs; ++c)
        out.push_back({static_cast<int>(l), static_cast<std::int64_t>(c), s.fan_in, false});
    } else {
      out.push_back({static_cast<int>(l), -1, s.size(), s.size() > shard_above});
    }
  }
  return out;
}

std::vector<float> problem_values(const LayerSpec& layer, const Problem& p, std::span<const float> layer_rows) {
  RAPIDNN_ASSERT(layer_rows.size() == layer.size());
  if (p.channel < 0) return {layer_rows.begin(), layer_rows.end()};
  std::vector<float> v(layer.fan_in);
  for (std::uint64_t r = 0; r < layer.fan_in; ++r) v[r] = layer_rows[r * layer.outputs + static_cast<std::uint64_t>(p.channel)];
  return v;
}

std::uint64_t whole_cost(std::uint64_t n) { return n * static_cast<std::uint64_t>(std::max<int>(1, static_cast<int>(std::bit_width(n)))); }

std::vector<par::Range> contiguous_balance(std::span<const std::uint64_t> costs, int parts) {
  RAPIDNN_THROW_IF_NOT(parts >= 1, InvalidArgument, "contiguous_balance: parts must be >= 1, got {}", parts);
  // Totals stay far below 2^64 / parts (VGG-16: ~4e9).
  std::uint64_t total = 0;
  for (auto c : costs) total += c;
  std::vector<par::Range> out(static_cast<std::size_t>(parts));
  std::uint64_t acc = 0;
  std::uint64_t item = 0;
  for (int r = 0; r < parts; ++r) {
    out[static_cast<std::size_t>(r)].begin = item;
    // Items whose cumulative cost midpoint lies below the boundary (r+1)/parts of the total.
    const std::uint64_t bound = total * static_cast<std::uint64_t>(r + 1);
    while (item < costs.size() && (acc + costs[item] / 2) * static_cast<std::uint64_t>(parts) < bound) {
      acc += costs[item];
      ++item;
    }
    if (r + 1 == parts) item = costs.size();
    out[static_cast<std::size_t>(r)].end = item;
  }
  return out;
}

}  // namespace rapidnn::distributed
