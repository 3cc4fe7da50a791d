#pragma once
// Input operand sampling (paper Sec 3.1, "Inputs"): run the network over a random subset of the
// training set (2% is enough, per the paper) and record, for every compute layer, the values
// that arrive at its input, and for every activation layer its pre-activation values (for the
// clip domain of its table). The subset is drawn by CounterRng keyed by the sample index
// (sample i is taken iff uniform(seed, kSampling, i) < fraction), so it does not depend on how
// work is spread over ranks or threads.
#include <cstdint>
#include <span>
#include <vector>

#include "nn/model.hpp"

namespace rapidnn::composer {

/// Ascending indices of the sampled rows of an n-row data set; at least one row when n > 0.
std::vector<std::int64_t> sample_indices(std::int64_t n, double fraction, std::uint64_t seed);

struct LayerSamples {
  std::vector<int> compute_nodes;               ///< Model::compute_nodes()
  std::vector<std::vector<float>> inputs;        ///< [i]: input values of compute_nodes[i]
  std::vector<int> activation_nodes;            ///< activation layer nodes, in order
  std::vector<std::vector<float>> pre_activations;  ///< [i]: input values of activation_nodes[i]
};

struct SamplingOptions {
  int batch_size = 256;
  /// At most this many values are kept per layer (every k-th value of the layer's stream,
  /// k = ceil(total / max)), bounding memory for wide convolution layers.
  std::int64_t max_values_per_layer = std::int64_t{1} << 22;
  /// Optional hooks applied during the pass (e.g. inputs already quantized by earlier layers).
  nn::ForwardHooks hooks;
};

LayerSamples collect_layer_samples(nn::Model& model, const nn::Matrix& x,
                                   std::span<const std::int64_t> rows, const SamplingOptions& options = {});

}  // namespace rapidnn::composer
