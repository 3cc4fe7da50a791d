#pragma once
// Batch normalisation with fixed (running) statistics: y = gamma*(x-mean)/sqrt(var+eps) + beta
// per channel, in training as well (a "frozen" BatchNorm: backward is that of the per-channel
// affine map). ResNet/GoogLeNet here need inference only; statistics come from a weight file.
#include "nn/layer.hpp"

namespace rapidnn::nn {

class BatchNorm final : public UnaryLayer {
 public:
  BatchNorm(std::string name, Shape input, float epsilon = 1e-5f);
  LayerKind kind() const override { return LayerKind::kBatchNorm; }
  float epsilon() const { return epsilon_; }
  /// Each 1 x channels.
  Matrix& gamma() { return gamma_; }
  Matrix& beta() { return beta_; }
  Matrix& running_mean() { return mean_; }
  Matrix& running_var() { return var_; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
  std::vector<ParamRef> params() override;
  std::vector<BufferRef> buffers() override;

 private:
  float epsilon_;
  Matrix gamma_, beta_, mean_, var_, gamma_grad_, beta_grad_;
};

}  // namespace rapidnn::nn
