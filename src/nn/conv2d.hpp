#pragma once
// 2-D convolution (cross-correlation, as in Keras/torch) by im2col + GEMM, parallel over the
// samples of the batch with oneTBB. Weights are out_channels x (in_channels*kh*kw), column
// index = c*kh*kw + ky*kw + kx (the flattened torch layout {out, in, kh, kw}).
#include "nn/layer.hpp"

namespace rapidnn::nn {

struct Conv2DSpec {
  int out_channels = 0;
  int kernel_h = 3;
  int kernel_w = 3;
  int stride = 1;
  int pad = 0;  // zero padding on every side
  bool bias = true;
};

/// Output extent of a window operation: floor((in + 2*pad - k) / stride) + 1, or with ceil
/// instead of floor when ceil_mode (torch semantics: the last window must start inside the
/// input or left padding).
int window_output_extent(int in, int kernel, int stride, int pad, bool ceil_mode = false);

class Conv2D final : public UnaryLayer {
 public:
  Conv2D(std::string name, Shape input, Conv2DSpec spec);

  LayerKind kind() const override { return LayerKind::kConv2D; }
  const Conv2DSpec& spec() const { return spec_; }
  int in_channels() const { return input_shape().c; }
  int out_channels() const { return spec_.out_channels; }
  int kernel_h() const { return spec_.kernel_h; }
  int kernel_w() const { return spec_.kernel_w; }
  int stride() const { return spec_.stride; }
  int pad() const { return spec_.pad; }
  int out_h() const { return output_shape().h; }
  int out_w() const { return output_shape().w; }
  bool has_bias() const { return spec_.bias; }
  /// Length of one im2col row = in_channels * kernel_h * kernel_w.
  int patch_size() const { return in_channels() * spec_.kernel_h * spec_.kernel_w; }

  /// out_channels x patch_size(); mutable.
  Matrix& weights() { return weights_; }
  const Matrix& weights() const { return weights_; }
  /// 1 x out_channels (all zero and not a parameter when spec().bias is false).
  Matrix& bias() { return bias_; }
  const Matrix& bias() const { return bias_; }
  Matrix& weights_grad() { return weights_grad_; }
  Matrix& bias_grad() { return bias_grad_; }

  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
  std::vector<ParamRef> params() override;
  std::int64_t macs_per_sample() const override;

  /// One sample's patches (Caffe layout): patch_size() rows x (out_h*out_w) columns written at
  /// cols[row * ld + col_offset + position], zero where the window hits padding.
  void im2col(const float* image, float* cols, std::int64_t ld, std::int64_t col_offset) const;
  /// Adjoint of im2col: accumulates the patch gradients back into one sample's image gradient.
  void col2im(const float* cols, std::int64_t ld, std::int64_t col_offset, float* image) const;

 private:
  Conv2DSpec spec_;
  Matrix weights_, bias_, weights_grad_, bias_grad_;
};

}  // namespace rapidnn::nn
