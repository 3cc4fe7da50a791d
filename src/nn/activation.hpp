#pragma once
// Element-wise activations. Their forward is what the composer replaces by a q-row lookup
// table (paper Sec 3.1); shapes pass through unchanged.
#include "nn/layer.hpp"

namespace rapidnn::nn {

enum class Activation { kReLU, kSigmoid, kSoftsign, kTanh };

std::string_view to_string(Activation a);
/// The scalar function and its derivative expressed through x (used by tests and the composer's
/// activation tables).
float activate(Activation a, float x);
float activate_derivative(Activation a, float x);

class ActivationLayer final : public UnaryLayer {
 public:
  ActivationLayer(std::string name, Shape input, Activation function);
  LayerKind kind() const override;
  Activation function() const { return function_; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;

 private:
  Activation function_;
};

}  // namespace rapidnn::nn
