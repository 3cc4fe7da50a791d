#pragma once
// Multi-input nodes: element-wise sum (ResNet residual connections) and channel concatenation
// (GoogLeNet inception modules). Channel-major layout makes a channel concat a column concat.
#include "nn/layer.hpp"

namespace rapidnn::nn {

class Add final : public Layer {
 public:
  Add(std::string name, std::vector<Shape> inputs);  // all shapes equal, at least two
  LayerKind kind() const override { return LayerKind::kAdd; }
  void forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                      const PassContext& ctx) override;
  void backward_inputs(std::span<const Matrix* const> inputs, const Matrix& out,
                       const Matrix& grad_out, std::span<Matrix* const> grad_inputs) override;
};

class Concat final : public Layer {
 public:
  Concat(std::string name, std::vector<Shape> inputs);  // equal h and w, at least two
  LayerKind kind() const override { return LayerKind::kConcat; }
  void forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                      const PassContext& ctx) override;
  void backward_inputs(std::span<const Matrix* const> inputs, const Matrix& out,
                       const Matrix& grad_out, std::span<Matrix* const> grad_inputs) override;
};

}  // namespace rapidnn::nn
