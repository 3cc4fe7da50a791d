#pragma once
// Fully connected layer: out = in * W^T + b, with W out_features x in_features (row-major, the
// same layout as a torch Linear weight; Keras stores the transpose). Forward and backward are
// Eigen GEMMs split over batch / output-row chunks with oneTBB.
#include "nn/layer.hpp"

namespace rapidnn::nn {

class Dense final : public UnaryLayer {
 public:
  /// Input of any shape is read as its flattened size (channel-major).
  Dense(std::string name, Shape input, int out_features);

  LayerKind kind() const override { return LayerKind::kDense; }
  int in_features() const { return static_cast<int>(input_shape().size()); }
  int out_features() const { return output_shape().c; }

  /// out_features x in_features; mutable so a caller can replace weights (e.g. by centroids).
  Matrix& weights() { return weights_; }
  const Matrix& weights() const { return weights_; }
  /// 1 x out_features.
  Matrix& bias() { return bias_; }
  const Matrix& bias() const { return bias_; }
  Matrix& weights_grad() { return weights_grad_; }
  Matrix& bias_grad() { return bias_grad_; }

  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
  std::vector<ParamRef> params() override;
  std::int64_t macs_per_sample() const override;

 private:
  Matrix weights_, bias_, weights_grad_, bias_grad_;
};

}  // namespace rapidnn::nn
