#include "accel/nn_shape.hpp"

#include <utility>
#include <vector>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/model.hpp"
#include "nn/pooling.hpp"

namespace rapidnn::accel {

NetworkShape shape_of(const nn::Model& model, std::string name) {
  NetworkShape net{std::move(name), {}};
  // layer_of[node] = index in net.layers of the layer whose output the node carries (-1: none).
  std::vector<int> layer_of(static_cast<std::size_t>(model.node_count()), -1);
  for (int node = 0; node < model.node_count(); ++node) {
    const nn::Layer& l = model.layer(node);
    const auto& in = model.inputs_of(node);
    const int from = in.empty() ? -1 : layer_of[static_cast<std::size_t>(in.front())];
    const std::int64_t out = l.output_shape().size();
    LayerShape s;
    bool emits = true;
    switch (l.kind()) {
      case nn::LayerKind::kInput: s = input_layer(l.name(), out); break;
      case nn::LayerKind::kDense:
        s = dense_layer(l.name(), l.input_shape().size(), out, false);
        break;
      case nn::LayerKind::kConv2D: {
        const auto& conv = dynamic_cast<const nn::Conv2D&>(l);
        const nn::Shape is = l.input_shape(), os = l.output_shape();
        s.name = l.name();
        s.kind = LayerKind::Conv;
        s.neurons = out;
        s.fan_in = l.macs_per_sample() / out;
        s.input_values = is.size();
        s.weights = s.fan_in * conv.spec().out_channels;
        s.table_sets = os.c;
        s.has_activation = false;
        break;
      }
      case nn::LayerKind::kMaxPool2D:
      case nn::LayerKind::kAvgPool2D: {
        const int k = l.kind() == nn::LayerKind::kMaxPool2D
                          ? dynamic_cast<const nn::MaxPool2D&>(l).spec().kernel
                          : dynamic_cast<const nn::AvgPool2D&>(l).spec().kernel;
        s.name = l.name();
        s.kind = l.kind() == nn::LayerKind::kMaxPool2D ? LayerKind::MaxPool : LayerKind::AvgPool;
        s.neurons = out;
        s.fan_in = std::int64_t{k} * k;
        s.input_values = l.input_shape().size();
        s.has_activation = false;
        break;
      }
      case nn::LayerKind::kGlobalAvgPool:
        s.name = l.name();
        s.kind = LayerKind::AvgPool;
        s.neurons = out;
        s.fan_in = std::int64_t{l.input_shape().h} * l.input_shape().w;
        s.input_values = l.input_shape().size();
        s.has_activation = false;
        break;
      case nn::LayerKind::kAdd:
        s = add_layer(l.name(), out, static_cast<std::int64_t>(in.size()));
        s.has_activation = false;
        break;
      case nn::LayerKind::kConcat: s = concat_layer(l.name(), out); break;
      case nn::LayerKind::kReLU:
      case nn::LayerKind::kSigmoid:
      case nn::LayerKind::kSoftsign:
      case nn::LayerKind::kTanh:
        if (from >= 0) net.layers[static_cast<std::size_t>(from)].has_activation = true;
        emits = false;
        break;
      case nn::LayerKind::kDropout:
      case nn::LayerKind::kFlatten:
      case nn::LayerKind::kBatchNorm: emits = false; break;
    }
    if (emits) {
      net.layers.push_back(std::move(s));
      layer_of[static_cast<std::size_t>(node)] = static_cast<int>(net.layers.size()) - 1;
    } else {
      layer_of[static_cast<std::size_t>(node)] = from;
    }
  }
  // The output layer feeds softmax, computed through the activation AM (Sec 5.2).
  if (!net.layers.empty()) net.layers.back().has_activation = true;
  validate(net);
  return net;
}

}  // namespace rapidnn::accel
