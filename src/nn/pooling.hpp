#pragma once
// Pooling over square windows per channel: max, average (padding cells excluded from the
// average count only when they lie outside input+pad, torch's count_include_pad=true semantics
// for explicit padding), and global average (one value per channel).
#include "nn/layer.hpp"

namespace rapidnn::nn {

struct PoolSpec {
  int kernel = 2;
  int stride = 2;
  int pad = 0;
  bool ceil_mode = false;
};

class MaxPool2D final : public UnaryLayer {
 public:
  MaxPool2D(std::string name, Shape input, PoolSpec spec);
  LayerKind kind() const override { return LayerKind::kMaxPool2D; }
  const PoolSpec& spec() const { return spec_; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  /// The gradient goes to the first maximal input of each window.
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;

 private:
  PoolSpec spec_;
  std::vector<std::int32_t> argmax_;  // per (sample, output cell): input column of the max
};

class AvgPool2D final : public UnaryLayer {
 public:
  AvgPool2D(std::string name, Shape input, PoolSpec spec);
  LayerKind kind() const override { return LayerKind::kAvgPool2D; }
  const PoolSpec& spec() const { return spec_; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;

 private:
  /// Number of cells a window divides by (torch count_include_pad=true, clipped at in+pad).
  int window_count(int oy, int ox) const;
  PoolSpec spec_;
};

class GlobalAvgPool final : public UnaryLayer {
 public:
  GlobalAvgPool(std::string name, Shape input);
  LayerKind kind() const override { return LayerKind::kGlobalAvgPool; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
};

}  // namespace rapidnn::nn
