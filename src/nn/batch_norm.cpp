#include "nn/batch_norm.hpp"

#include <cmath>

#include "core/error.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

BatchNorm::BatchNorm(std::string name, Shape input, float epsilon)
    : UnaryLayer(std::move(name), input, input),
      epsilon_(epsilon),
      gamma_(Matrix::Ones(1, input.c)),
      beta_(Matrix::Zero(1, input.c)),
      mean_(Matrix::Zero(1, input.c)),
      var_(Matrix::Ones(1, input.c)) {
  RAPIDNN_THROW_IF_NOT(epsilon > 0.0f, InvalidArgument, "BatchNorm '{}': epsilon {} must be > 0",
                       this->name(), epsilon);
}

void BatchNorm::forward(const Matrix& in, Matrix& out, const PassContext&) {
  const Shape s = input_shape();
  RAPIDNN_THROW_IF_NOT(in.cols() == s.size(), InvalidArgument,
                       "BatchNorm '{}': input has {} columns, expected {}", name(), in.cols(),
                       s.size());
  const std::int64_t hw = std::int64_t{s.h} * s.w;
  // y = scale*x + shift per channel.
  const Eigen::ArrayXf scale =
      gamma_.row(0).transpose().array() / (var_.row(0).transpose().array() + epsilon_).sqrt();
  const Eigen::ArrayXf shift = beta_.row(0).transpose().array() -
                               mean_.row(0).transpose().array() * scale;
  out.resize(in.rows(), in.cols());
  detail::parallel_chunks(in.rows(), detail::row_grain(in.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      Eigen::Map<const Matrix> x(in.row(n).data(), s.c, hw);
      Eigen::Map<Matrix> y(out.row(n).data(), s.c, hw);
      y.array() = (x.array().colwise() * scale).colwise() + shift;
    }
  });
}

void BatchNorm::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  const Shape s = input_shape();
  const std::int64_t hw = std::int64_t{s.h} * s.w;
  if (gamma_grad_.cols() != s.c) gamma_grad_ = Matrix::Zero(1, s.c);
  if (beta_grad_.cols() != s.c) beta_grad_ = Matrix::Zero(1, s.c);
  const Eigen::ArrayXf inv_std = (var_.row(0).transpose().array() + epsilon_).rsqrt();
  const Eigen::ArrayXf scale = gamma_.row(0).transpose().array() * inv_std;
  if (grad_in) grad_in->resize(in.rows(), in.cols());
  for (std::int64_t n = 0; n < in.rows(); ++n) {
    Eigen::Map<const Matrix> x(in.row(n).data(), s.c, hw);
    Eigen::Map<const Matrix> g(grad_out.row(n).data(), s.c, hw);
    const Eigen::ArrayXf xhat_g =
        ((x.array().colwise() - mean_.row(0).transpose().array()) * g.array()).rowwise().sum();
    gamma_grad_.row(0).array() += (xhat_g * inv_std).transpose();
    beta_grad_.row(0) += g.rowwise().sum().transpose();
    if (grad_in) {
      Eigen::Map<Matrix> d(grad_in->row(n).data(), s.c, hw);
      d.array() = g.array().colwise() * scale;
    }
  }
}

std::vector<ParamRef> BatchNorm::params() {
  return {{"gamma", &gamma_, &gamma_grad_, {gamma_.cols()}},
          {"beta", &beta_, &beta_grad_, {beta_.cols()}}};
}

std::vector<BufferRef> BatchNorm::buffers() {
  return {{"running_mean", &mean_, {mean_.cols()}}, {"running_var", &var_, {var_.cols()}}};
}

}  // namespace rapidnn::nn
