// SGD with momentum: a tiny MLP learns a separable synthetic set to zero error, training is
// reproducible, and the straight-through weight projection trains a model that still
// classifies perfectly with projected weights.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "nn/dense.hpp"
#include "nn/trainer.hpp"
#include "nn/zoo.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

// Four Gaussian blobs (sd 0.3) at the corners (+-2, +-2) of a square, in 8 dimensions (the
// other 6 are noise): linearly separable with a margin of ~6 sd.
struct Blobs {
  Matrix x;
  std::vector<int> y;
};
Blobs blobs(int n, std::uint64_t item) {
  Blobs b{Matrix(n, 8), std::vector<int>(static_cast<std::size_t>(n))};
  CounterRng rng(21, RngDomain::kSyntheticData, item);
  for (int i = 0; i < n; ++i) {
    const int c = i % 4;
    b.y[static_cast<std::size_t>(i)] = c;
    for (int j = 0; j < 8; ++j) b.x(i, j) = static_cast<float>(0.3 * rng.normal());
    b.x(i, 0) += (c & 1) ? 2.0f : -2.0f;
    b.x(i, 1) += (c & 2) ? 2.0f : -2.0f;
  }
  return b;
}

Model small_mlp(std::uint64_t seed) {
  Model m(Shape{8, 1, 1}, "small");
  m.dense(16);
  m.relu();
  m.dropout(0.5f);
  m.dense(4);
  zoo::initialize(m, seed);
  return m;
}

TEST(Trainer, LearnsSeparableSetToZeroError) {
  const Blobs train = blobs(400, 0), test = blobs(200, 1);
  Model m = small_mlp(1);
  TrainOptions opt;
  opt.sgd.learning_rate = 0.05f;
  opt.batch_size = 16;
  opt.epochs = 8;
  Trainer trainer(m, opt);
  const TrainResult r = trainer.fit(train.x, train.y, &test.x, test.y);
  ASSERT_EQ(r.epochs.size(), 8u);
  EXPECT_LT(r.epochs.back().mean_loss, r.epochs.front().mean_loss);
  EXPECT_EQ(r.epochs.back().test_error, 0.0);
  EXPECT_EQ(error_rate(m, train.x, train.y), 0.0);
  EXPECT_GT(r.epochs.back().images_per_s, 0.0);
}

TEST(Trainer, SameSeedSameWeights) {
  const Blobs train = blobs(200, 0);
  TrainOptions opt;
  opt.epochs = 2;
  opt.batch_size = 10;
  Model a = small_mlp(2), b = small_mlp(2);
  Trainer(a, opt).fit(train.x, train.y);
  Trainer(b, opt).fit(train.x, train.y);
  EXPECT_EQ(a.dense_at(1).weights(), b.dense_at(1).weights());
  opt.seed = 3;  // another shuffle and dropout stream
  Model c = small_mlp(2);
  Trainer(c, opt).fit(train.x, train.y);
  EXPECT_NE(a.dense_at(1).weights(), c.dense_at(1).weights());
}

TEST(Trainer, WeightDecayShrinksWeightsWithoutData) {
  // All-zero input: dL/dW = grad_out^T * x = 0, so the only force on W is the decay term.
  Model m(Shape{2, 1, 1}, "decay");
  m.dense(2);
  m.dense_at(1).weights() = testing::mat({{1, 0}, {0, 1}});
  TrainOptions opt;
  opt.sgd.learning_rate = 0.1f;
  opt.sgd.momentum = 0.0f;
  opt.sgd.weight_decay = 0.5f;
  opt.batch_size = 1;
  opt.shuffle = false;
  Trainer t(m, opt);
  const Matrix x = Matrix::Zero(1, 2);
  const std::vector<int> y{0};
  t.train_epoch(x, y, 0);
  // one step: w <- w - 0.1 * 0.5 * w = 0.95 w (input zero: the loss gives no weight gradient)
  testing::expect_matrix_near(m.dense_at(1).weights(), testing::mat({{0.95f, 0}, {0, 0.95f}}), 1e-6);
}

TEST(Trainer, MomentumStepsMatchHandComputation) {
  // Dense 1 -> 2 (W, b start at 0), softmax cross-entropy averaged over the batch,
  // lr 0.1, momentum 0.9; one batch of two samples, a: x = 1, label 0 and b: x = 2, label 1,
  // trained twice (two epochs of one step each, no shuffle). Update: v = 0.9 v + g; w -= 0.1 v.
  Model m(Shape{1, 1, 1}, "tiny");
  m.dense(2);
  TrainOptions opt;
  opt.sgd.learning_rate = 0.1f;
  opt.sgd.momentum = 0.9f;
  opt.batch_size = 2;
  opt.shuffle = false;
  Trainer t(m, opt);
  const Matrix x = testing::mat({{1}, {2}});
  const std::vector<int> y{0, 1};
  Dense& d = m.dense_at(1);
  t.train_epoch(x, y, 0);
  // Step 1: logits 0, p = (0.5, 0.5); dL/dz = (p - onehot) / 2: a (-0.25, 0.25), b (0.25, -0.25).
  // dW = sum_r dz_r x_r = (-0.25 + 0.5, 0.25 - 0.5) = (0.25, -0.25); db = (0, 0).
  // v_W = (0.25, -0.25), W = -0.1 v_W = (-0.025, 0.025); b stays 0.
  testing::expect_matrix_near(d.weights(), testing::mat({{-0.025f}, {0.025f}}), 1e-7);
  testing::expect_matrix_near(d.bias(), testing::mat({{0, 0}}), 1e-7);
  t.train_epoch(x, y, 1);
  // Step 2: logits a (-0.025, 0.025), b (-0.05, 0.05); p_a0 = 1/(1+e^0.05) = 0.4875026,
  // p_b0 = 1/(1+e^0.1) = 0.4750208. dz_a0 = (p_a0 - 1)/2 = -0.2562487, dz_b0 = p_b0/2 = 0.2375104
  // (dz_1 = -dz_0 with two classes). dW0 = -0.2562487 + 2 * 0.2375104 = 0.2187721,
  // db0 = -0.2562487 + 0.2375104 = -0.0187383.
  // v_W0 = 0.9 * 0.25 + 0.2187721 = 0.4437721 -> W0 = -0.025 - 0.04437721 = -0.06937721;
  // v_b0 = 0.9 * 0 - 0.0187383 -> b0 = 0.00187383.
  testing::expect_matrix_near(d.weights(), testing::mat({{-0.06937721f}, {0.06937721f}}), 1e-6);
  testing::expect_matrix_near(d.bias(), testing::mat({{0.00187383f, -0.00187383f}}), 1e-7);
}

float quarter_grid(float w) { return std::round(w * 4.0f) / 4.0f; }

TEST(Trainer, StraightThroughProjection) {
  const Blobs train = blobs(400, 0), test = blobs(200, 1);
  Model m = small_mlp(4);
  TrainOptions opt;
  opt.sgd.learning_rate = 0.05f;
  opt.batch_size = 16;
  opt.epochs = 6;
  int projected = 0;
  opt.project_weights = [&](int, const Layer& layer, Matrix& w) {
    EXPECT_TRUE(layer.is_compute());
    w = w.unaryExpr(&quarter_grid);
    ++projected;
  };
  Trainer(m, opt).fit(train.x, train.y);
  EXPECT_EQ(projected, 2 * 6 * 25);  // two compute layers, 25 steps per epoch
  // The master weights stay full precision...
  const Matrix& w = m.dense_at(1).weights();
  EXPECT_GT((w.array() != w.unaryExpr(&quarter_grid).array()).count(), 0);
  // ...and the projected model classifies the test set perfectly.
  for (const int node : m.compute_nodes()) {
    Matrix& mw = m.dense_at(node).weights();
    mw = mw.unaryExpr(&quarter_grid);
  }
  EXPECT_EQ(error_rate(m, test.x, test.y), 0.0);
}

TEST(Trainer, RejectsMismatchedData) {
  Model m = small_mlp(1);
  Trainer t(m, TrainOptions{});
  const std::vector<int> y(3, 0);
  try {
    t.train_epoch(Matrix::Zero(4, 8), y, 0);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "train_epoch: 3 labels for 4 samples");
  }
  try {
    evaluate(m, Matrix::Zero(3, 7), y);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "evaluate: samples have 7 features, model 'small' expects 8 (8x1x1)");
  }
}

}  // namespace
}  // namespace rapidnn::nn
