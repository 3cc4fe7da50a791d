#include "nn/activation.hpp"

#include <cmath>

#include "core/error.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::kReLU: return "relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kSoftsign: return "softsign";
    case Activation::kTanh: return "tanh";
  }
  return "?";
}

float activate(Activation a, float x) {
  switch (a) {
    case Activation::kReLU: return x > 0.0f ? x : 0.0f;
    case Activation::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Activation::kSoftsign: return x / (1.0f + std::fabs(x));
    case Activation::kTanh: return std::tanh(x);
  }
  return x;
}

float activate_derivative(Activation a, float x) {
  switch (a) {
    case Activation::kReLU: return x > 0.0f ? 1.0f : 0.0f;
    case Activation::kSigmoid: {
      const float s = 1.0f / (1.0f + std::exp(-x));
      return s * (1.0f - s);
    }
    case Activation::kSoftsign: {
      const float d = 1.0f + std::fabs(x);
      return 1.0f / (d * d);
    }
    case Activation::kTanh: {
      const float t = std::tanh(x);
      return 1.0f - t * t;
    }
  }
  return 1.0f;
}

ActivationLayer::ActivationLayer(std::string name, Shape input, Activation function)
    : UnaryLayer(std::move(name), input, input), function_(function) {}

LayerKind ActivationLayer::kind() const {
  switch (function_) {
    case Activation::kReLU: return LayerKind::kReLU;
    case Activation::kSigmoid: return LayerKind::kSigmoid;
    case Activation::kSoftsign: return LayerKind::kSoftsign;
    case Activation::kTanh: return LayerKind::kTanh;
  }
  return LayerKind::kReLU;
}

void ActivationLayer::forward(const Matrix& in, Matrix& out, const PassContext&) {
  RAPIDNN_THROW_IF_NOT(in.cols() == input_shape().size(), InvalidArgument,
                       "{} '{}': input has {} columns, expected {}", to_string(function_), name(),
                       in.cols(), input_shape().size());
  out.resize(in.rows(), in.cols());
  detail::parallel_chunks(in.rows(), detail::row_grain(in.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    auto x = in.middleRows(b, e - b).array();
    auto y = out.middleRows(b, e - b).array();
    switch (function_) {
      case Activation::kReLU: y = x.max(0.0f); break;
      case Activation::kSigmoid: y = 1.0f / (1.0f + (-x).exp()); break;
      case Activation::kSoftsign: y = x / (1.0f + x.abs()); break;
      case Activation::kTanh: y = x.tanh(); break;
    }
  });
}

void ActivationLayer::backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                               Matrix* grad_in) {
  if (!grad_in) return;
  grad_in->resize(in.rows(), in.cols());
  detail::parallel_chunks(in.rows(), detail::row_grain(in.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    auto x = in.middleRows(b, e - b).array();
    auto y = out.middleRows(b, e - b).array();
    auto g = grad_out.middleRows(b, e - b).array();
    auto d = grad_in->middleRows(b, e - b).array();
    switch (function_) {
      case Activation::kReLU: d = (x > 0.0f).select(g, 0.0f); break;
      case Activation::kSigmoid: d = g * y * (1.0f - y); break;
      case Activation::kSoftsign: d = g / (1.0f + x.abs()).square(); break;
      case Activation::kTanh: d = g * (1.0f - y.square()); break;
    }
  });
}

}  // namespace rapidnn::nn
