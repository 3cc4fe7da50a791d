// Backward of every layer against central finite differences (nn_test_util.hpp). Inputs of
// piecewise-linear layers (ReLU, max-pool) are kept away from their kinks so that the
// difference quotient with eps = 1e-2 is exact.
#include <gtest/gtest.h>

#include "nn/activation.hpp"
#include "nn/batch_norm.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"
#include "nn/dropout.hpp"
#include "nn/merge.hpp"
#include "nn/pooling.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

using testing::check_gradients;
using testing::random_matrix;

const PassContext kInfer = PassContext::inference();

// Values whose pairwise gaps exceed 0.05 and which stay 0.05 away from 0: a permutation of
// +-(0.1 + 0.07 k).
Matrix separated_values(Eigen::Index rows, Eigen::Index cols, std::uint64_t item) {
  const Eigen::Index n = rows * cols;
  std::vector<float> v(static_cast<std::size_t>(n));
  for (Eigen::Index k = 0; k < n; ++k) {
    v[static_cast<std::size_t>(k)] = (k % 2 ? -1.0f : 1.0f) * (0.1f + 0.07f * static_cast<float>(k));
  }
  CounterRng rng(5, RngDomain::kUser, item);
  for (Eigen::Index i = n - 1; i > 0; --i) {
    std::swap(v[static_cast<std::size_t>(i)], v[rng.below(static_cast<std::uint64_t>(i + 1))]);
  }
  return Eigen::Map<Matrix>(v.data(), rows, cols);
}

TEST(Gradients, Dense) {
  Dense d("fc", Shape{5, 1, 1}, 4);
  d.weights() = random_matrix(4, 5, 1);
  d.bias() = random_matrix(1, 4, 2);
  check_gradients(d, {random_matrix(3, 5, 3)}, kInfer);
}

TEST(Gradients, Conv2DWithPaddingAndStride) {
  Conv2D c("conv", Shape{2, 5, 4}, Conv2DSpec{3, 3, 2, 2, 1, true});
  c.weights() = random_matrix(c.weights().rows(), c.weights().cols(), 4);
  c.bias() = random_matrix(1, 3, 5);
  check_gradients(c, {random_matrix(2, 2 * 5 * 4, 6)}, kInfer);
}

TEST(Gradients, Conv2DManySamplesAcrossChunks) {
  // 5x5 output = 25 positions -> 16 samples per chunk; 40 samples make 3 chunks whose
  // partial weight gradients are summed in order.
  Conv2D c("conv", Shape{1, 5, 5}, Conv2DSpec{2, 1, 1, 1, 0, true});
  c.weights() = random_matrix(2, 1, 7);
  check_gradients(c, {random_matrix(40, 25, 8)}, kInfer);
}

TEST(Gradients, MaxPool) {
  MaxPool2D p("pool", Shape{2, 5, 5}, PoolSpec{3, 2, 1, true});
  check_gradients(p, {separated_values(2, 50, 1)}, kInfer);
}

TEST(Gradients, AvgPool) {
  AvgPool2D p("pool", Shape{2, 5, 5}, PoolSpec{3, 2, 1, true});
  check_gradients(p, {random_matrix(2, 50, 9)}, kInfer);
}

TEST(Gradients, GlobalAvgPool) {
  GlobalAvgPool g("gap", Shape{3, 2, 3});
  check_gradients(g, {random_matrix(2, 18, 10)}, kInfer);
}

TEST(Gradients, Activations) {
  for (const Activation a : {Activation::kReLU, Activation::kSigmoid, Activation::kSoftsign,
                             Activation::kTanh}) {
    ActivationLayer layer(std::string(to_string(a)), Shape{6, 1, 1}, a);
    check_gradients(layer, {separated_values(3, 6, 2)}, kInfer);
  }
}

TEST(Gradients, DropoutInTraining) {
  Dropout d("drop", Shape{10, 1, 1}, 0.3f);
  PassContext train;
  train.training = true;
  train.seed = 11;
  check_gradients(d, {random_matrix(4, 10, 11)}, train);
}

TEST(Gradients, BatchNormFrozenStatistics) {
  BatchNorm bn("bn", Shape{3, 2, 2}, 1e-3f);
  bn.gamma() = random_matrix(1, 3, 12);
  bn.beta() = random_matrix(1, 3, 13);
  bn.running_mean() = random_matrix(1, 3, 14);
  bn.running_var() = random_matrix(1, 3, 15).array().abs() + 0.5f;
  check_gradients(bn, {random_matrix(2, 12, 16)}, kInfer);
}

TEST(Gradients, AddAndConcat) {
  const Shape s{2, 1, 3};
  Add add("add", {s, s, s});
  check_gradients(add, {random_matrix(2, 6, 17), random_matrix(2, 6, 18), random_matrix(2, 6, 19)},
                  kInfer);
  Concat cat("cat", {s, Shape{1, 1, 3}});
  check_gradients(cat, {random_matrix(2, 6, 20), random_matrix(2, 3, 21)}, kInfer);
}

}  // namespace
}  // namespace rapidnn::nn
