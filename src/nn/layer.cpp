#include "nn/layer.hpp"

#include "core/error.hpp"

namespace rapidnn::nn {

std::string_view to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::kInput: return "Input";
    case LayerKind::kDense: return "Dense";
    case LayerKind::kConv2D: return "Conv2D";
    case LayerKind::kMaxPool2D: return "MaxPool2D";
    case LayerKind::kAvgPool2D: return "AvgPool2D";
    case LayerKind::kGlobalAvgPool: return "GlobalAvgPool";
    case LayerKind::kReLU: return "ReLU";
    case LayerKind::kSigmoid: return "Sigmoid";
    case LayerKind::kSoftsign: return "Softsign";
    case LayerKind::kTanh: return "Tanh";
    case LayerKind::kDropout: return "Dropout";
    case LayerKind::kFlatten: return "Flatten";
    case LayerKind::kBatchNorm: return "BatchNorm";
    case LayerKind::kAdd: return "Add";
    case LayerKind::kConcat: return "Concat";
  }
  return "?";
}

Layer::Layer(std::string name, std::vector<Shape> input_shapes, Shape output_shape)
    : name_(std::move(name)), input_shapes_(std::move(input_shapes)), output_shape_(output_shape) {
  RAPIDNN_THROW_IF_NOT(!input_shapes_.empty(), InvalidArgument, "layer '{}' has no input", name_);
  for (const Shape& s : input_shapes_) {
    RAPIDNN_THROW_IF_NOT(s.c > 0 && s.h > 0 && s.w > 0, InvalidArgument,
                         "layer '{}': input shape {} has a non-positive extent", name_,
                         to_string(s));
  }
  RAPIDNN_THROW_IF_NOT(output_shape_.c > 0 && output_shape_.h > 0 && output_shape_.w > 0,
                       InvalidArgument, "layer '{}': output shape {} (from input {}) is empty",
                       name_, to_string(output_shape_), to_string(input_shapes_.front()));
}

std::int64_t Layer::parameter_count() const {
  std::int64_t n = 0;
  // params() only hands out pointers; counting reads their sizes.
  for (const ParamRef& p : const_cast<Layer*>(this)->params()) n += p.value->size();
  return n;
}

UnaryLayer::UnaryLayer(std::string name, Shape input_shape, Shape output_shape)
    : Layer(std::move(name), {input_shape}, output_shape) {}

void UnaryLayer::forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                                const PassContext& ctx) {
  RAPIDNN_ASSERT(inputs.size() == 1);
  forward(*inputs[0], out, ctx);
}

void UnaryLayer::backward_inputs(std::span<const Matrix* const> inputs, const Matrix& out,
                                 const Matrix& grad_out, std::span<Matrix* const> grad_inputs) {
  RAPIDNN_ASSERT(inputs.size() == 1 && grad_inputs.size() == 1);
  backward(*inputs[0], out, grad_out, grad_inputs[0]);
}

InputLayer::InputLayer(Shape shape) : UnaryLayer("input", shape, shape) {}

void InputLayer::forward(const Matrix& in, Matrix& out, const PassContext&) {
  RAPIDNN_THROW_IF_NOT(in.cols() == output_shape().size(), InvalidArgument,
                       "model input has {} columns, expected {} (shape {})", in.cols(),
                       output_shape().size(), to_string(output_shape()));
  out = in;
}

void InputLayer::backward(const Matrix&, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (grad_in) *grad_in = grad_out;
}

}  // namespace rapidnn::nn
