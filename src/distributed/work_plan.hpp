#pragma once
// The work items of a codebook job (Section 3.1: one weight codebook per FC layer, one per conv
// output channel) and how they are spread over the ranks:
//  * a problem larger than `shard_above` values is SHARDED: every rank holds a contiguous block
//    of its rows and the problem is solved collectively (sharded_kmeans / sharded_tree);
//  * every other problem is WHOLE: the whole problems, in plan order, are cut into one contiguous
//    block per rank with nearly equal estimated cost (so each rank writes one hyperslab of the
//    result tables), and solved with oneTBB inside the rank.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "par/partition.hpp"

namespace rapidnn::distributed {

/// A layer's weights as a (fan_in x outputs) row-major matrix: the Keras kernel layout
/// (Dense (in, out); Conv2D (kh, kw, in, out) flattened to (kh*kw*in, out)).
struct LayerSpec {
  std::string name;
  bool conv = false;          ///< conv: one problem per output channel (a column)
  std::uint64_t fan_in = 0;   ///< rows
  std::uint64_t outputs = 0;  ///< columns
  std::uint64_t size() const { return fan_in * outputs; }
};

struct Problem {
  int layer = 0;
  std::int64_t channel = -1;  ///< output channel of a conv layer; -1 = the whole layer
  std::uint64_t size = 0;
  bool sharded = false;
};

/// Conv layers give one problem per output channel (never sharded), other layers one problem,
/// sharded when larger than shard_above. Plan order: layer order, then channel order.
std::vector<Problem> plan_weight_problems(std::span<const LayerSpec> layers, std::uint64_t shard_above);

/// The values of problem p, given its layer's weights as row-major fan_in x outputs (`layer_rows`):
/// the whole matrix, or a conv problem's output channel (a column).
std::vector<float> problem_values(const LayerSpec& layer, const Problem& p, std::span<const float> layer_rows);

/// Estimated cost of solving a whole problem of n values: n * ceil(log2 n) (sorting and the
/// O(n log n) layers of the exact DP dominate).
std::uint64_t whole_cost(std::uint64_t n);

/// Cuts items [0, costs.size()) into `parts` contiguous blocks: block r ends at the first item
/// whose cumulative cost reaches (r + 1) / parts of the total. Deterministic; blocks may be empty.
std::vector<par::Range> contiguous_balance(std::span<const std::uint64_t> costs, int parts);

}  // namespace rapidnn::distributed
