#include "nn/loss.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rapidnn::nn {

Matrix softmax(const Matrix& logits) {
  Matrix p(logits.rows(), logits.cols());
  for (std::int64_t r = 0; r < logits.rows(); ++r) {
    const float mx = logits.row(r).maxCoeff();
    p.row(r) = (logits.row(r).array() - mx).exp().matrix();
    p.row(r) /= p.row(r).sum();
  }
  return p;
}

std::vector<int> argmax_rows(const Matrix& m) {
  std::vector<int> out(static_cast<std::size_t>(m.rows()));
  for (std::int64_t r = 0; r < m.rows(); ++r) {
    Eigen::Index at = 0;
    m.row(r).maxCoeff(&at);
    out[static_cast<std::size_t>(r)] = static_cast<int>(at);
  }
  return out;
}

LossResult softmax_cross_entropy(const Matrix& logits, std::span<const int> labels,
                                 Matrix* grad_logits) {
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(labels.size()) == logits.rows(), InvalidArgument,
                       "softmax_cross_entropy: {} labels for {} rows", labels.size(),
                       logits.rows());
  LossResult result;
  if (grad_logits) grad_logits->resize(logits.rows(), logits.cols());
  const float inv_batch = logits.rows() > 0 ? 1.0f / static_cast<float>(logits.rows()) : 0.0f;
  for (std::int64_t r = 0; r < logits.rows(); ++r) {
    const int y = labels[static_cast<std::size_t>(r)];
    RAPIDNN_THROW_IF_NOT(y >= 0 && y < logits.cols(), InvalidArgument,
                         "softmax_cross_entropy: label {} of row {} outside [0, {})", y, r,
                         logits.cols());
    Eigen::Index at = 0;
    const float mx = logits.row(r).maxCoeff(&at);
    const Eigen::ArrayXf e = (logits.row(r).array() - mx).exp().transpose();
    const double sum = e.cast<double>().sum();
    // -log p_y = log(sum exp(z - max)) - (z_y - max)
    result.loss_sum += std::log(sum) - static_cast<double>(logits(r, y) - mx);
    if (at != y) ++result.errors;
    if (grad_logits) {
      grad_logits->row(r) = (e / static_cast<float>(sum)).matrix().transpose() * inv_batch;
      (*grad_logits)(r, y) -= inv_batch;
    }
  }
  return result;
}

}  // namespace rapidnn::nn
