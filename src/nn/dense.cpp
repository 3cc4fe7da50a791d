#include "nn/dense.hpp"

#include "core/error.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

namespace {
// Tasks split the GEMMs along the weight matrix (output features for the forward pass and the
// weight gradient, input features for the input gradient), not along the batch: Eigen packs
// the operand it splits once per task, so each task packs only its slice of W and the batch
// (the small operand) is packed a few times. Grains are fixed: results do not depend on the
// thread count.
constexpr std::int64_t kFeatureGrain = 128;
}  // namespace

Dense::Dense(std::string name, Shape input, int out_features)
    : UnaryLayer(std::move(name), input, Shape{out_features, 1, 1}),
      weights_(Matrix::Zero(out_features, input.size())),
      bias_(Matrix::Zero(1, out_features)) {}

void Dense::forward(const Matrix& in, Matrix& out, const PassContext&) {
  RAPIDNN_THROW_IF_NOT(in.cols() == in_features(), InvalidArgument,
                       "Dense '{}': input has {} columns, expected {}", name(), in.cols(),
                       in_features());
  out.resize(in.rows(), out_features());
  detail::parallel_chunks(out_features(), kFeatureGrain, [&](std::int64_t b, std::int64_t e) {
    auto o = out.middleCols(b, e - b);
    o.noalias() = in * weights_.middleRows(b, e - b).transpose();
    o.rowwise() += bias_.middleCols(b, e - b).row(0);
  });
}

void Dense::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (weights_grad_.rows() != weights_.rows() || weights_grad_.cols() != weights_.cols()) {
    weights_grad_ = Matrix::Zero(weights_.rows(), weights_.cols());
  }
  if (bias_grad_.cols() != bias_.cols()) bias_grad_ = Matrix::Zero(1, bias_.cols());
  // dW (out x in) += grad_out^T * in, split over output features (disjoint rows of dW).
  detail::parallel_chunks(out_features(), kFeatureGrain, [&](std::int64_t b, std::int64_t e) {
    weights_grad_.middleRows(b, e - b).noalias() +=
        grad_out.middleCols(b, e - b).transpose() * in;
  });
  bias_grad_.row(0) += grad_out.colwise().sum();
  if (grad_in) {
    grad_in->resize(in.rows(), in_features());
    detail::parallel_chunks(in_features(), kFeatureGrain, [&](std::int64_t b, std::int64_t e) {
      grad_in->middleCols(b, e - b).noalias() = grad_out * weights_.middleCols(b, e - b);
    });
  }
}

std::vector<ParamRef> Dense::params() {
  return {{"weights", &weights_, &weights_grad_, {weights_.rows(), weights_.cols()}},
          {"bias", &bias_, &bias_grad_, {bias_.cols()}}};
}

std::int64_t Dense::macs_per_sample() const {
  return std::int64_t{in_features()} * out_features();
}

}  // namespace rapidnn::nn
