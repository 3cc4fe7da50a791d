#pragma once
// The reinterpreted ("composed") model of paper Sec 2.2 / 3.3: what the RNA blocks would hold.
//
// Per compute layer (Dense or Conv2D), a ComputeStage holds
//   * the input codebook (u values): the layer's inputs are encoded to these indices, by the
//     "virtual" input-encoding layer for the first layer and by the encoding AM block of the
//     previous layer otherwise;
//   * the weight codebook(s) (w values): one for a Dense layer, one per output channel for a
//     Conv2D layer (Sec 3.1), and every weight's code (its nearest centroid);
//   * the product table(s), w x u per codebook: products[(g*w + a)*u + b] = wc_g[a] * uc[b]
//     (the crossbar memory of Figure 3b);
//   * the bias, added after the weighted accumulation.
// Per activation layer, an ActivationStage holds either a q-row table (ActivationTable) or
// nothing, in which case the function is computed exactly (for ReLU this is the comparator the
// paper recommends, Sec 5.3).
//
// The plan (steps) follows the model's node order. The data is in one of two domains: float
// (the raw input, a weighted accumulation, an activation output) or codes (indices into the
// input codebook of the next compute layer). kEncode moves float -> codes with the next compute
// layer's codebook (the encoding AM block, Figure 2d); pooling works on codes (max: the largest
// code, valid because codebooks are ascending, Sec 3.1; average: decode, average, re-encode);
// an activation met in the code domain decodes, applies and re-encodes. Dropout and Flatten are
// identities at inference. The output layer's accumulation (the logits) is the result: softmax
// does not change the argmax, so no activation or encoding table follows the last layer (an
// activation node after it, if any, is ignored for the same reason: the supported activations
// are monotone). Supported models are sequential chains of Dense, Conv2D, max/avg/global-avg
// pooling, activations, dropout and flatten; anything else is rejected with InvalidArgument.
#include <cstdint>
#include <string>
#include <vector>

#include "composer/activation_table.hpp"
#include "composer/nearest_encoder.hpp"
#include "nn/model.hpp"

namespace rapidnn::composer {

struct ComputeStage {
  int node = 0;
  std::string name;
  bool conv = false;
  int w = 0, u = 0;
  int groups = 1;   ///< weight codebooks: 1 (Dense) or out channels (Conv2D)
  int out = 0;      ///< output features (Dense) or output channels (Conv2D)
  int fan_in = 0;   ///< in_features or in_channels*kh*kw
  std::vector<float> input_centroids;   ///< u, ascending
  std::vector<float> weight_centroids;  ///< groups * w, each group ascending
  std::vector<Code> weight_codes;       ///< out * fan_in, row-major like the layer's weights
  std::vector<float> products;          ///< groups * w * u
  std::vector<float> bias;              ///< out
};

struct ActivationStage {
  int node = 0;
  std::string name;
  nn::Activation function = nn::Activation::kReLU;
  ActivationTable table;  ///< rows() == 0: computed exactly (ReLU: comparator)
  bool exact() const { return table.rows() == 0; }
  float apply(float y) const {
    if (!exact()) return table.lookup(y);
    if (function == nn::Activation::kReLU) return y > 0.0f ? y : 0.0f;
    return nn::activate(function, y);
  }
};

enum class StepKind { kEncode, kCompute, kActivate, kCodeActivate, kMaxPool, kAvgPool, kGlobalAvgPool };

struct Step {
  StepKind kind = StepKind::kEncode;
  int node = 0;
  /// kEncode, kCodeActivate and pooling: the compute stage whose input codebook the codes index;
  /// kCompute: the stage; kActivate: the activation stage.
  int index = 0;
  int activation = -1;  ///< kCodeActivate: the activation stage
  nn::Shape in, out;
  nn::PoolSpec pool;
};

/// Conv2D geometry copied from the model.
struct ConvGeometry {
  nn::Shape in, out;
  int kernel_h = 1, kernel_w = 1, stride = 1, pad = 0;
};

class ComposedModel {
 public:
  ComposedModel() = default;
  /// Checks every table against the model's structure (sizes, codes < w, ascending codebooks,
  /// products consistent in size) and builds the plan. `structure` is only read here.
  ComposedModel(const nn::Model& structure, std::vector<ComputeStage> stages,
                std::vector<ActivationStage> activations);

  nn::Shape input_shape() const { return input_shape_; }
  int classes() const { return classes_; }
  const std::vector<ComputeStage>& stages() const { return stages_; }
  const std::vector<ActivationStage>& activations() const { return activations_; }
  const std::vector<Step>& steps() const { return steps_; }
  const NearestEncoder& input_encoder(int stage) const { return encoders_[static_cast<std::size_t>(stage)]; }
  const ConvGeometry& conv_geometry(int stage) const { return conv_[static_cast<std::size_t>(stage)]; }
  /// Conv stages: for each (output position, patch element) the input column, or -1 for padding.
  const std::vector<std::int32_t>& patch_index(int stage) const { return patches_[static_cast<std::size_t>(stage)]; }
  /// The weights each code stands for (out x fan_in), used by the reference accumulation.
  const std::vector<float>& dequantized_weights(int stage) const { return dequantized_[static_cast<std::size_t>(stage)]; }
  int w() const { return stages_.empty() ? 0 : stages_.front().w; }
  int u() const { return stages_.empty() ? 0 : stages_.front().u; }
  /// Rows of the activation tables (0 when activations are computed exactly).
  int q() const;

 private:
  void build_plan(const nn::Model& model);
  nn::Shape input_shape_;
  int classes_ = 0;
  std::vector<ComputeStage> stages_;
  std::vector<ActivationStage> activations_;
  std::vector<Step> steps_;
  std::vector<NearestEncoder> encoders_;
  std::vector<ConvGeometry> conv_;
  std::vector<std::vector<std::int32_t>> patches_;
  std::vector<std::vector<float>> dequantized_;
};

}  // namespace rapidnn::composer
