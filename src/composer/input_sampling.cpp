#include "composer/input_sampling.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace rapidnn::composer {

std::vector<std::int64_t> sample_indices(std::int64_t n, double fraction, std::uint64_t seed) {
  RAPIDNN_THROW_IF_NOT(n >= 0, InvalidArgument, "data set size {} is negative", n);
  RAPIDNN_THROW_IF_NOT(fraction > 0.0 && fraction <= 1.0, InvalidArgument,
                       "input sample fraction {} outside (0, 1]", fraction);
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < n; ++i) {
    CounterRng rng(seed, RngDomain::kSampling, static_cast<std::uint64_t>(i));
    if (rng.uniform() < fraction) rows.push_back(i);
  }
  if (rows.empty() && n > 0) rows.push_back(0);
  return rows;
}

namespace {

// Keeps every k-th value of a stream of known total length.
struct StridedSink {
  std::vector<float>* out = nullptr;
  std::int64_t stride = 1, seen = 0;
  void take(const float* v, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i, ++seen)
      if (seen % stride == 0) out->push_back(v[i]);
  }
};

}  // namespace

LayerSamples collect_layer_samples(nn::Model& model, const nn::Matrix& x,
                                   std::span<const std::int64_t> rows, const SamplingOptions& options) {
  RAPIDNN_THROW_IF_NOT(x.cols() == model.input_shape().size(), InvalidArgument,
                       "data has {} features but the model expects {}", x.cols(), model.input_shape().size());
  RAPIDNN_THROW_IF_NOT(!rows.empty(), InvalidArgument, "no sample rows given");
  RAPIDNN_THROW_IF_NOT(options.batch_size > 0 && options.max_values_per_layer > 0, InvalidArgument,
                       "bad sampling options: batch_size {}, max_values_per_layer {}", options.batch_size,
                       options.max_values_per_layer);
  LayerSamples s;
  s.compute_nodes = model.compute_nodes();
  for (int n = 1; n < model.node_count(); ++n) {
    const auto k = model.layer(n).kind();
    if (k == nn::LayerKind::kReLU || k == nn::LayerKind::kSigmoid || k == nn::LayerKind::kSoftsign ||
        k == nn::LayerKind::kTanh)
      s.activation_nodes.push_back(n);
  }
  s.inputs.resize(s.compute_nodes.size());
  s.pre_activations.resize(s.activation_nodes.size());
  const auto total_rows = static_cast<std::int64_t>(rows.size());
  auto stride_for = [&](std::int64_t per_row) {
    const std::int64_t total = per_row * total_rows;
    return std::max<std::int64_t>(1, (total + options.max_values_per_layer - 1) / options.max_values_per_layer);
  };
  std::map<int, StridedSink> compute_sink, act_sink;  // keyed by node
  for (std::size_t i = 0; i < s.compute_nodes.size(); ++i) {
    const int n = s.compute_nodes[i];
    compute_sink[n] = {&s.inputs[i], stride_for(model.layer(n).input_shape().size()), 0};
  }
  for (std::size_t i = 0; i < s.activation_nodes.size(); ++i) {
    const int n = s.activation_nodes[i];
    const auto& in = model.inputs_of(n);
    RAPIDNN_THROW_IF_NOT(in.size() == 1, InvalidArgument, "activation node {} has {} inputs", n, in.size());
    act_sink[in[0]] = {&s.pre_activations[i], stride_for(model.layer(n).input_shape().size()), 0};
  }
  nn::ForwardHooks hooks;
  hooks.before_compute = [&](int node, const nn::Layer& layer, nn::Matrix& input) {
    if (options.hooks.before_compute) options.hooks.before_compute(node, layer, input);
    auto it = compute_sink.find(node);
    if (it != compute_sink.end()) it->second.take(input.data(), input.size());
  };
  hooks.after_node = [&](int node, const nn::Layer& layer, const nn::Matrix& output) {
    if (options.hooks.after_node) options.hooks.after_node(node, layer, output);
    auto it = act_sink.find(node);
    if (it != act_sink.end()) it->second.take(output.data(), output.size());
  };
  nn::Matrix batch;
  for (std::int64_t b = 0; b < total_rows; b += options.batch_size) {
    const std::int64_t e = std::min(total_rows, b + options.batch_size);
    batch.resize(e - b, x.cols());
    for (std::int64_t r = b; r < e; ++r) {
      const auto src = rows[static_cast<std::size_t>(r)];
      RAPIDNN_THROW_IF_NOT(src >= 0 && src < x.rows(), InvalidArgument, "sample row {} outside 0..{}", src,
                           x.rows() - 1);
      batch.row(r - b) = x.row(src);
    }
    model.forward(batch, nn::PassContext::inference(), hooks);
  }
  return s;
}

}  // namespace rapidnn::composer
