#pragma once
// Softmax output with cross-entropy loss. Models end in logits (the last Dense); the softmax is
// applied here, fused with the loss for a stable gradient: dL/dlogits = (softmax - onehot)/batch.
#include <span>

#include "nn/tensor.hpp"

namespace rapidnn::nn {

/// Row-wise softmax (max-subtracted).
Matrix softmax(const Matrix& logits);

struct LossResult {
  double loss_sum = 0.0;      // sum over the batch of -log p(label)
  std::int64_t errors = 0;    // rows whose argmax differs from the label
};

/// Computes the loss and, when grad_logits is not null, dL/dlogits of the MEAN loss over the
/// batch. Labels must lie in [0, logits.cols()).
LossResult softmax_cross_entropy(const Matrix& logits, std::span<const int> labels,
                                 Matrix* grad_logits);

/// Row-wise argmax (first maximum).
std::vector<int> argmax_rows(const Matrix& m);

}  // namespace rapidnn::nn
