// The DAG model: building and shape checks, residual/concat forward against a hand
// composition, forward hooks, and Model::backward against finite differences.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "nn/dense.hpp"
#include "nn/loss.hpp"
#include "nn/model.hpp"
#include "nn/zoo.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

using testing::expect_matrix_near;
using testing::mat;
using testing::random_matrix;

TEST(Model, SequentialBuilderTracksShapesAndCounts) {
  Model m(Shape{1, 6, 6}, "tiny");
  const int conv = m.conv2d(Conv2DSpec{4, 3, 3, 1, 0, true});
  m.relu();
  m.max_pool(PoolSpec{2, 2, 0, false});
  m.flatten();
  const int fc = m.dense(3);
  EXPECT_EQ(m.shape(conv), (Shape{4, 4, 4}));
  EXPECT_EQ(m.output_shape(), (Shape{3, 1, 1}));
  EXPECT_EQ(m.compute_nodes(), (std::vector<int>{conv, fc}));
  // conv: 4*9 + 4 = 40; dense: 4*2*2*3 + 3 = 51
  EXPECT_EQ(m.parameter_count(), 91);
  // conv: 16 positions * 4 channels * 9; dense: 16 * 3
  EXPECT_EQ(m.macs_per_sample(), 16 * 4 * 9 + 48);
  EXPECT_EQ(m.conv2d_at(conv).out_h(), 4);
  EXPECT_EQ(m.find(m.layer(fc).name()), fc);
  try {
    m.dense_at(conv);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "node 1 ('conv_1') is a Conv2D, not a Dense layer");
  }
}

TEST(Model, RejectsShapeMismatchAndDuplicateNames) {
  Model m(Shape{4, 1, 1}, "bad");
  m.dense(3, Model::kPrevious, "fc");
  try {
    m.add(std::make_unique<Dense>("fc2", Shape{5, 1, 1}, 2), {1});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "layer 'fc2': input 0 from node 1 ('fc') has shape 3x1x1, layer expects 5x1x1");
  }
  try {
    m.dense(2, Model::kPrevious, "fc");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "model 'bad' already has a layer named 'fc'");
  }
}

// x -> fc_a -> (+ x) -> concat(., fc_b(x)) -> fc_out
Model residual_model() {
  Model m(Shape{2, 1, 1}, "residual");
  const int a = m.dense(2, 0, "fc_a");
  const int sum = m.add_nodes({a, 0}, "sum");
  const int b = m.dense(1, 0, "fc_b");
  m.concat({sum, b}, "cat");
  m.dense(2, Model::kPrevious, "fc_out");
  m.dense_at(a).weights() = mat({{1, 2}, {0, -1}});
  m.dense_at(a).bias() = mat({{0, 1}});
  m.dense_at(b).weights() = mat({{3, 3}});
  m.dense_at(m.output_node()).weights() = mat({{1, 0, 0}, {0, 1, 1}});
  return m;
}

TEST(Model, ResidualAndConcatForward) {
  Model m = residual_model();
  // x = [1, 2]: fc_a = [1+4, -2+1] = [5, -1]; sum = [6, 1]; fc_b = [9]; cat = [6, 1, 9];
  // fc_out = [6, 1+9] = [6, 10].
  const Matrix& y = m.forward(mat({{1, 2}}));
  expect_matrix_near(y, mat({{6, 10}}), 1e-6);
  expect_matrix_near(m.activation_of(m.find("cat")), mat({{6, 1, 9}}), 1e-6);
}

TEST(Model, HooksSeeAndModifyComputeInputs) {
  Model m = residual_model();
  std::vector<int> seen;
  ForwardHooks hooks;
  hooks.before_compute = [&](int node, const Layer& layer, Matrix& input) {
    seen.push_back(node);
    if (layer.name() == "fc_b") input.setZero();  // only fc_b's private copy changes
  };
  int outputs = 0;
  hooks.after_node = [&](int, const Layer&, const Matrix&) { ++outputs; };
  const Matrix& y = m.forward(mat({{1, 2}}), PassContext::inference(), hooks);
  EXPECT_EQ(seen, (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(outputs, m.node_count());
  // fc_b now sees zeros: cat = [6, 1, 0] -> [6, 1]; the residual path still saw x.
  expect_matrix_near(y, mat({{6, 1}}), 1e-6);
}

TEST(Model, BackwardDifferentiatesAtTheHookedInput) {
  // A hook doubling the input of fc must give the same weight gradient as feeding 2x.
  auto build = [] {
    Model m(Shape{3, 1, 1}, "hooked");
    m.dense(2, Model::kPrevious, "fc");
    m.dense_at(1).weights() = mat({{1, -1, 2}, {0.5f, 0, -2}});
    m.zero_grads();
    return m;
  };
  Model a = build(), b = build();
  const Matrix x = mat({{1, 2, 3}, {-1, 0, 4}});
  ForwardHooks doubling;
  doubling.before_compute = [](int, const Layer&, Matrix& input) { input *= 2.0f; };
  const Matrix ya = a.forward(x, PassContext::inference(), doubling);
  const Matrix yb = b.forward(Matrix(2.0f * x));
  expect_matrix_near(ya, yb, 1e-6);
  const Matrix g = mat({{1, -1}, {0.5f, 2}});
  a.backward(g);
  b.backward(g);
  expect_matrix_near(a.dense_at(1).weights_grad(), b.dense_at(1).weights_grad(), 1e-6);
}

TEST(Model, BackwardMatchesFiniteDifferences) {
  // conv -> tanh -> avg pool -> (flatten, dense) and a residual tanh branch: a smooth model.
  Model m(Shape{2, 4, 4}, "smooth");
  m.conv2d(Conv2DSpec{3, 3, 3, 1, 1, true});
  const int t = m.activation(Activation::kTanh);
  const int t2 = m.activation(Activation::kSigmoid, t);
  m.add_nodes({t, t2});
  m.avg_pool(PoolSpec{2, 2, 0, false});
  m.flatten();
  m.dense(3);
  zoo::initialize(m, 5);
  const Matrix x = random_matrix(3, 32, 40);
  const std::vector<int> labels{0, 2, 1};
  auto loss = [&] { return softmax_cross_entropy(m.forward(x), labels, nullptr).loss_sum / 3.0; };
  m.zero_grads();
  Matrix g;
  softmax_cross_entropy(m.forward(x), labels, &g);
  m.backward(g);
  for (Model::NodeParam& p : m.params()) {
    const Matrix analytic = *p.param.grad;
    for (Eigen::Index i = 0; i < p.param.value->size(); i += 3) {
      float& v = p.param.value->data()[i];
      const float saved = v;
      v = saved + 1e-2f;
      const double up = loss();
      v = saved - 1e-2f;
      const double down = loss();
      v = saved;
      EXPECT_NEAR(analytic.data()[i], (up - down) / 2e-2, 2e-3)
          << m.layer(p.node).name() << "/" << p.param.name << "[" << i << "]";
    }
  }
}

TEST(Model, PredictInBatchesEqualsOneBatch) {
  Model m = zoo::build("mlp", Shape{20, 1, 1}, 4, 3);
  const Matrix x = random_matrix(50, 20, 41);
  const std::vector<int> all = argmax_rows(m.forward(x));
  EXPECT_EQ(m.predict(x, 7), all);
}

}  // namespace
}  // namespace rapidnn::nn
