#include "composer/composed_model.hpp"

#include <map>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"

namespace rapidnn::composer {

namespace {

bool is_activation(nn::LayerKind k) {
  return k == nn::LayerKind::kReLU || k == nn::LayerKind::kSigmoid || k == nn::LayerKind::kSoftsign ||
         k == nn::LayerKind::kTanh;
}

void check_stage(const nn::Model& model, const ComputeStage& s) {
  const auto& layer = model.layer(s.node);
  RAPIDNN_THROW_IF_NOT(layer.is_compute(), InvalidArgument, "stage '{}': node {} is not a Dense/Conv2D layer",
                       s.name, s.node);
  int out = 0, fan_in = 0;
  if (layer.kind() == nn::LayerKind::kDense) {
    const auto& d = model.dense_at(s.node);
    out = d.out_features();
    fan_in = d.in_features();
  } else {
    const auto& c = model.conv2d_at(s.node);
    out = c.out_channels();
    fan_in = c.patch_size();
  }
  const int groups = layer.kind() == nn::LayerKind::kDense ? 1 : out;
  RAPIDNN_THROW_IF_NOT(s.conv == (layer.kind() == nn::LayerKind::kConv2D) && s.out == out && s.fan_in == fan_in &&
                           s.groups == groups,
                       InvalidArgument,
                       "stage '{}' (conv {}, out {}, fan_in {}, groups {}) does not match layer '{}' (out {}, "
                       "fan_in {}, groups {})",
                       s.name, s.conv, s.out, s.fan_in, s.groups, layer.name(), out, fan_in, groups);
  RAPIDNN_THROW_IF_NOT(s.w >= 1 && s.w <= kMaxCodebookSize && s.u >= 1 && s.u <= kMaxCodebookSize, InvalidArgument,
                       "stage '{}': w = {} and u = {} must be in 1..{}", s.name, s.w, s.u, kMaxCodebookSize);
  const auto W = static_cast<std::size_t>(s.w), U = static_cast<std::size_t>(s.u),
             G = static_cast<std::size_t>(s.groups);
  RAPIDNN_THROW_IF_NOT(s.input_centroids.size() == U && s.weight_centroids.size() == G * W &&
                           s.weight_codes.size() == static_cast<std::size_t>(out) * static_cast<std::size_t>(fan_in) &&
                           s.products.size() == G * W * U && s.bias.size() == static_cast<std::size_t>(out),
                       InvalidArgument,
                       "stage '{}': table sizes (input {}, weight centroids {}, codes {}, products {}, bias {}) do "
                       "not match w = {}, u = {}, groups = {}, out = {}, fan_in = {}",
                       s.name, s.input_centroids.size(), s.weight_centroids.size(), s.weight_codes.size(),
                       s.products.size(), s.bias.size(), s.w, s.u, s.groups, out, fan_in);
  for (std::size_t i = 0; i < s.weight_codes.size(); ++i)
    RAPIDNN_THROW_IF_NOT(s.weight_codes[i] < s.w, InvalidArgument, "stage '{}': weight code {} at {} is not below w = {}",
                         s.name, int{s.weight_codes[i]}, i, s.w);
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t a = 1; a < W; ++a)
      RAPIDNN_THROW_IF_NOT(s.weight_centroids[g * W + a - 1] <= s.weight_centroids[g * W + a], InvalidArgument,
                           "stage '{}': weight codebook {} is not ascending at {}", s.name, g, a);
}

}  // namespace

ComposedModel::ComposedModel(const nn::Model& structure, std::vector<ComputeStage> stages,
                             std::vector<ActivationStage> activations)
    : input_shape_(structure.input_shape()),
      classes_(structure.num_classes()),
      stages_(std::move(stages)),
      activations_(std::move(activations)) {
  const auto nodes = structure.compute_nodes();
  RAPIDNN_THROW_IF_NOT(nodes.size() == stages_.size() && !nodes.empty(), InvalidArgument,
                       "model has {} compute layers but {} stages were given", nodes.size(), stages_.size());
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(stages_[i].node == nodes[i], InvalidArgument, "stage {} is for node {}, expected node {}", i,
                         stages_[i].node, nodes[i]);
    check_stage(structure, stages_[i]);
    encoders_.emplace_back(stages_[i].input_centroids);
  }
  for (const auto& a : activations_) {
    RAPIDNN_THROW_IF_NOT(a.node > 0 && a.node < structure.node_count() && is_activation(structure.layer(a.node).kind()),
                         InvalidArgument, "activation stage '{}' names node {}, which is not an activation layer",
                         a.name, a.node);
    if (!a.exact())
      RAPIDNN_THROW_IF_NOT(a.table.function() == a.function, InvalidArgument,
                           "activation stage '{}': table is for {} but the layer computes {}", a.name,
                           nn::to_string(a.table.function()), nn::to_string(a.function));
  }
  build_plan(structure);
  // Derived data: conv geometry and patch indices, dequantized weights.
  conv_.resize(stages_.size());
  patches_.resize(stages_.size());
  dequantized_.resize(stages_.size());
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const auto& s = stages_[i];
    auto& dq = dequantized_[i];
    dq.resize(s.weight_codes.size());
    for (int o = 0; o < s.out; ++o) {
      const int g = s.conv ? o : 0;
      for (int k = 0; k < s.fan_in; ++k) {
        const std::size_t at = static_cast<std::size_t>(o) * static_cast<std::size_t>(s.fan_in) + static_cast<std::size_t>(k);
        dq[at] = s.weight_centroids[static_cast<std::size_t>(g * s.w + s.weight_codes[at])];
      }
    }
    if (!s.conv) continue;
    const auto& c = structure.conv2d_at(s.node);
    auto& geo = conv_[i];
    geo = {c.input_shape(), c.output_shape(), c.kernel_h(), c.kernel_w(), c.stride(), c.pad()};
    const int positions = geo.out.h * geo.out.w;
    auto& p = patches_[i];
    p.assign(static_cast<std::size_t>(positions) * static_cast<std::size_t>(s.fan_in), -1);
    for (int oy = 0; oy < geo.out.h; ++oy)
      for (int ox = 0; ox < geo.out.w; ++ox) {
        const int pos = oy * geo.out.w + ox;
        for (int ch = 0; ch < geo.in.c; ++ch)
          for (int ky = 0; ky < geo.kernel_h; ++ky)
            for (int kx = 0; kx < geo.kernel_w; ++kx) {
              const int iy = oy * geo.stride - geo.pad + ky, ix = ox * geo.stride - geo.pad + kx;
              const int k = (ch * geo.kernel_h + ky) * geo.kernel_w + kx;
              if (iy >= 0 && iy < geo.in.h && ix >= 0 && ix < geo.in.w)
                p[static_cast<std::size_t>(pos) * static_cast<std::size_t>(s.fan_in) + static_cast<std::size_t>(k)] =
                    (ch * geo.in.h + iy) * geo.in.w + ix;
            }
      }
  }
}

int ComposedModel::q() const {
  for (const auto& a : activations_)
    if (!a.exact()) return a.table.rows();
  return 0;
}

void ComposedModel::build_plan(const nn::Model& model) {
  std::map<int, int> stage_of, activation_of;
  for (std::size_t i = 0; i < stages_.size(); ++i) stage_of[stages_[i].node] = static_cast<int>(i);
  for (std::size_t i = 0; i < activations_.size(); ++i) activation_of[activations_[i].node] = static_cast<int>(i);
  bool codes = false;  // the input node delivers floats
  int next_stage = 0;
  const int last_compute = stages_.back().node;
  for (int n = 1; n < model.node_count(); ++n) {
    const auto& layer = model.layer(n);
    const auto& inputs = model.inputs_of(n);
    RAPIDNN_THROW_IF_NOT(inputs.size() == 1 && inputs[0] == n - 1, InvalidArgument,
                         "the composer supports sequential models only: node {} ('{}') does not read node {} alone",
                         n, layer.name(), n - 1);
    const auto kind = layer.kind();
    Step step;
    step.node = n;
    step.in = layer.input_shape();
    step.out = layer.output_shape();
    if (kind == nn::LayerKind::kDropout || kind == nn::LayerKind::kFlatten) continue;
    if (n > last_compute) {
      RAPIDNN_THROW_IF_NOT(is_activation(kind), InvalidArgument,
                           "node {} ('{}', {}) after the output layer is not supported by the composer", n,
                           layer.name(), nn::to_string(kind));
      continue;  // monotone: the argmax of the logits is unchanged
    }
    if (layer.is_compute()) {
      const int s = stage_of.at(n);
      RAPIDNN_ASSERT(s == next_stage);
      if (!codes) steps_.push_back({StepKind::kEncode, n, s, -1, step.in, step.in, {}});
      step.kind = StepKind::kCompute;
      step.index = s;
      steps_.push_back(step);
      codes = false;
      ++next_stage;
      continue;
    }
    if (is_activation(kind)) {
      const auto it = activation_of.find(n);
      RAPIDNN_THROW_IF_NOT(it != activation_of.end(), InvalidArgument, "no activation stage for node {} ('{}')", n,
                           layer.name());
      if (codes) {
        step.kind = StepKind::kCodeActivate;
        step.index = next_stage;
        step.activation = it->second;
      } else {
        step.kind = StepKind::kActivate;
        step.index = it->second;
      }
      steps_.push_back(step);
      continue;
    }
    if (kind == nn::LayerKind::kMaxPool2D || kind == nn::LayerKind::kAvgPool2D ||
        kind == nn::LayerKind::kGlobalAvgPool) {
      if (!codes) {
        steps_.push_back({StepKind::kEncode, n, next_stage, -1, step.in, step.in, {}});
        codes = true;
      }
      step.index = next_stage;
      if (kind == nn::LayerKind::kMaxPool2D) {
        step.kind = StepKind::kMaxPool;
        step.pool = static_cast<const nn::MaxPool2D&>(layer).spec();
      } else if (kind == nn::LayerKind::kAvgPool2D) {
        step.kind = StepKind::kAvgPool;
        step.pool = static_cast<const nn::AvgPool2D&>(layer).spec();
      } else {
        step.kind = StepKind::kGlobalAvgPool;
      }
      steps_.push_back(step);
      continue;
    }
    throw InvalidArgument(fmt::format("the composer does not support node {} ('{}', {})", n, layer.name(),
                                      nn::to_string(kind)));
  }
}

}  // namespace rapidnn::composer
