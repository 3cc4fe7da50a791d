#include "nn/merge.hpp"

#include "core/error.hpp"

namespace rapidnn::nn {

namespace {
Shape add_output(const std::string& name, const std::vector<Shape>& in) {
  RAPIDNN_THROW_IF_NOT(in.size() >= 2, InvalidArgument, "Add '{}' needs at least 2 inputs, got {}",
                       name, in.size());
  for (const Shape& s : in) {
    RAPIDNN_THROW_IF_NOT(s == in.front(), InvalidArgument,
                         "Add '{}': input shapes differ ({} vs {})", name, to_string(in.front()),
                         to_string(s));
  }
  return in.front();
}

Shape concat_output(const std::string& name, const std::vector<Shape>& in) {
  RAPIDNN_THROW_IF_NOT(in.size() >= 2, InvalidArgument,
                       "Concat '{}' needs at least 2 inputs, got {}", name, in.size());
  int c = 0;
  for (const Shape& s : in) {
    RAPIDNN_THROW_IF_NOT(s.h == in.front().h && s.w == in.front().w, InvalidArgument,
                         "Concat '{}': spatial extents differ ({} vs {})", name,
                         to_string(in.front()), to_string(s));
    c += s.c;
  }
  return Shape{c, in.front().h, in.front().w};
}
}  // namespace

Add::Add(std::string name, std::vector<Shape> inputs)
    : Layer(name, inputs, add_output(name, inputs)) {}

void Add::forward_inputs(std::span<const Matrix* const> inputs, Matrix& out, const PassContext&) {
  RAPIDNN_ASSERT(inputs.size() == input_shapes().size());
  out = *inputs[0];
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(inputs[i]->rows() == out.rows() && inputs[i]->cols() == out.cols(),
                         InvalidArgument, "Add '{}': input {} is {}x{}, expected {}x{}", name(),
                         i, inputs[i]->rows(), inputs[i]->cols(), out.rows(), out.cols());
    out += *inputs[i];
  }
}

void Add::backward_inputs(std::span<const Matrix* const>, const Matrix&, const Matrix& grad_out,
                          std::span<Matrix* const> grad_inputs) {
  for (Matrix* g : grad_inputs) {
    if (g) *g = grad_out;
  }
}

Concat::Concat(std::string name, std::vector<Shape> inputs)
    : Layer(name, inputs, concat_output(name, inputs)) {}

void Concat::forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                            const PassContext&) {
  RAPIDNN_ASSERT(inputs.size() == input_shapes().size());
  const std::int64_t rows = inputs[0]->rows();
  out.resize(rows, output_shape().size());
  std::int64_t col = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::int64_t n = input_shapes()[i].size();
    RAPIDNN_THROW_IF_NOT(inputs[i]->rows() == rows && inputs[i]->cols() == n, InvalidArgument,
                         "Concat '{}': input {} is {}x{}, expected {}x{}", name(), i,
                         inputs[i]->rows(), inputs[i]->cols(), rows, n);
    out.middleCols(col, n) = *inputs[i];
    col += n;
  }
}

void Concat::backward_inputs(std::span<const Matrix* const>, const Matrix&,
                             const Matrix& grad_out, std::span<Matrix* const> grad_inputs) {
  std::int64_t col = 0;
  for (std::size_t i = 0; i < grad_inputs.size(); ++i) {
    const std::int64_t n = input_shapes()[i].size();
    if (grad_inputs[i]) *grad_inputs[i] = grad_out.middleCols(col, n);
    col += n;
  }
}

}  // namespace rapidnn::nn
