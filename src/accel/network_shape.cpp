#include "accel/network_shape.hpp"

#include <utility>

#include "core/error.hpp"

namespace rapidnn::accel {

const char* to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::Input: return "input";
    case LayerKind::Dense: return "dense";
    case LayerKind::Conv: return "conv";
    case LayerKind::MaxPool: return "maxpool";
    case LayerKind::AvgPool: return "avgpool";
    case LayerKind::Add: return "add";
    case LayerKind::Concat: return "concat";
  }
  return "?";
}

std::int64_t LayerShape::macs() const {
  return (kind == LayerKind::Dense || kind == LayerKind::Conv) ? neurons * fan_in : 0;
}

std::int64_t LayerShape::ops() const {
  switch (kind) {
    case LayerKind::Dense:
    case LayerKind::Conv: return 2 * macs();
    case LayerKind::MaxPool:
    case LayerKind::AvgPool:
    case LayerKind::Add: return neurons * (fan_in - 1);
    case LayerKind::Input:
    case LayerKind::Concat: return 0;
  }
  return 0;
}

std::int64_t NetworkShape::total_neurons() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.neurons;
  return n;
}
std::int64_t NetworkShape::total_macs() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.macs();
  return n;
}
std::int64_t NetworkShape::total_ops() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.ops();
  return n;
}
std::int64_t NetworkShape::total_weights() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.weights;
  return n;
}

void validate(const NetworkShape& net) {
  RAPIDNN_THROW_IF_NOT(!net.layers.empty(), InvalidArgument, "network '{}' has no layers", net.name);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    RAPIDNN_THROW_IF_NOT(l.neurons > 0, InvalidArgument, "network '{}' layer {} '{}': neurons = {} must be > 0",
                         net.name, i, l.name, l.neurons);
    RAPIDNN_THROW_IF_NOT(l.fan_in > 0, InvalidArgument, "network '{}' layer {} '{}': fan_in = {} must be > 0",
                         net.name, i, l.name, l.fan_in);
    RAPIDNN_THROW_IF_NOT(l.table_sets > 0 && l.table_sets <= l.neurons, InvalidArgument,
                         "network '{}' layer {} '{}': table_sets = {} must be in [1, neurons = {}]",
                         net.name, i, l.name, l.table_sets, l.neurons);
    RAPIDNN_THROW_IF_NOT(l.weights >= 0 && l.input_values >= 0, InvalidArgument,
                         "network '{}' layer {} '{}': weights = {} and input_values = {} must be >= 0",
                         net.name, i, l.name, l.weights, l.input_values);
  }
}

std::int64_t window_out(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t pad) {
  RAPIDNN_THROW_IF_NOT(k > 0 && stride > 0 && pad >= 0 && in + 2 * pad >= k, InvalidArgument,
                       "window of size {} stride {} pad {} does not fit an input of {}", k, stride, pad, in);
  return (in + 2 * pad - k) / stride + 1;
}

LayerShape input_layer(std::string name, std::int64_t values) {
  LayerShape l;
  l.name = std::move(name);
  l.kind = LayerKind::Input;
  l.neurons = values;
  l.fan_in = 1;
  l.input_values = values;
  l.has_activation = false;
  return l;
}

LayerShape dense_layer(std::string name, std::int64_t in, std::int64_t out, bool activation) {
  LayerShape l;
  l.name = std::move(name);
  l.kind = LayerKind::Dense;
  l.neurons = out;
  l.fan_in = in;
  l.input_values = in;
  l.weights = in * out;
  l.table_sets = 1;  // one codebook for the whole matrix (Sec 3.1)
  l.has_activation = activation;
  return l;
}

LayerShape conv_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t cin,
                      std::int64_t cout, std::int64_t k, std::int64_t stride, std::int64_t pad,
                      std::int64_t groups) {
  RAPIDNN_THROW_IF_NOT(groups > 0 && cin % groups == 0 && cout % groups == 0, InvalidArgument,
                       "conv '{}': groups = {} must divide cin = {} and cout = {}", name, groups, cin, cout);
  LayerShape l;
  l.name = std::move(name);
  l.kind = LayerKind::Conv;
  l.neurons = window_out(in_h, k, stride, pad) * window_out(in_w, k, stride, pad) * cout;
  l.fan_in = k * k * (cin / groups);
  l.input_values = in_h * in_w * cin;
  l.weights = k * k * (cin / groups) * cout;
  l.table_sets = cout;  // one codebook per output channel (Sec 3.1)
  return l;
}

namespace {
LayerShape pool(std::string name, LayerKind kind, std::int64_t in_h, std::int64_t in_w, std::int64_t c,
                std::int64_t k, std::int64_t stride, std::int64_t pad) {
  LayerShape l;
  l.name = std::move(name);
  l.kind = kind;
  l.neurons = window_out(in_h, k, stride, pad) * window_out(in_w, k, stride, pad) * c;
  l.fan_in = k * k;
  l.input_values = in_h * in_w * c;
  l.has_activation = false;
  return l;
}
}  // namespace

LayerShape max_pool_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t c,
                          std::int64_t k, std::int64_t stride, std::int64_t pad) {
  return pool(std::move(name), LayerKind::MaxPool, in_h, in_w, c, k, stride, pad);
}
LayerShape avg_pool_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t c,
                          std::int64_t k, std::int64_t stride, std::int64_t pad) {
  return pool(std::move(name), LayerKind::AvgPool, in_h, in_w, c, k, stride, pad);
}

LayerShape add_layer(std::string name, std::int64_t values, std::int64_t operands) {
  LayerShape l;
  l.name = std::move(name);
  l.kind = LayerKind::Add;
  l.neurons = values;
  l.fan_in = operands;
  l.input_values = values * operands;
  l.has_activation = true;  // ResNet applies ReLU after the residual sum
  return l;
}

LayerShape concat_layer(std::string name, std::int64_t values) {
  LayerShape l;
  l.name = std::move(name);
  l.kind = LayerKind::Concat;
  l.neurons = values;
  l.fan_in = 1;
  l.input_values = values;
  l.has_activation = false;
  return l;
}

}  // namespace rapidnn::accel
