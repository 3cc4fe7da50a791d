// Composed model tests: a hand-computed pipeline (virtual input encoding, max-pooling on codes,
// comparator ReLU, encoding into the next layer's codebook, counting), counting vs Eigen
// reference on a CNN with padding/stride/avg-pool/sigmoid tables, fine codebooks vs the float
// model, unsupported models, and the retraining loop.
#include <gtest/gtest.h>

#include <cmath>

#include "composer/composer.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/dense.hpp"
#include "nn/conv2d.hpp"

namespace rapidnn::composer {
namespace {

void randomize(nn::Model& m, std::uint64_t seed) {
  for (auto& p : m.params()) {
    CounterRng rng(seed, RngDomain::kUser, static_cast<std::uint64_t>(p.node) * 16 + (p.param.name == "bias"));
    auto& v = *p.param.value;
    for (std::int64_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(rng.normal(0.0, 0.3));
  }
}

nn::Matrix random_input(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  nn::Matrix x(rows, cols);
  CounterRng rng(seed, RngDomain::kSyntheticData, 0);
  for (std::int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
  return x;
}

TEST(ComposedModel, HandComputedPipeline) {
  // input 1x4x4 -> maxpool 2x2 -> flatten -> dense(2) -> relu -> dense(2)
  nn::Model m(nn::Shape{1, 4, 4});
  m.max_pool({2, 2, 0, false});
  m.flatten();
  const int d1 = m.dense(2);
  m.relu();
  const int d2 = m.dense(2);
  ComputeStage s1;
  s1.node = d1; s1.name = m.layer(d1).name(); s1.w = 2; s1.u = 4; s1.out = 2; s1.fan_in = 4;
  s1.input_centroids = {0, 1, 2, 3};
  s1.weight_centroids = {-1, 1};
  s1.weight_codes = {0, 1, 1, 0,   // weights -1  1  1 -1
                     1, 1, 0, 1};  // weights  1  1 -1  1
  s1.bias = {0.5f, -0.5f};
  for (float a : s1.weight_centroids)
    for (float b : s1.input_centroids) s1.products.push_back(a * b);
  ComputeStage s2;
  s2.node = d2; s2.name = m.layer(d2).name(); s2.w = 2; s2.u = 2; s2.out = 2; s2.fan_in = 2;
  s2.input_centroids = {0, 4};
  s2.weight_centroids = {-1, 2};
  s2.weight_codes = {0, 1,   // -1  2
                     1, 0};  //  2 -1
  s2.bias = {0.0f, 1.0f};
  for (float a : s2.weight_centroids)
    for (float b : s2.input_centroids) s2.products.push_back(a * b);
  ActivationStage relu;
  relu.node = d1 + 1;
  relu.name = m.layer(d1 + 1).name();
  const ComposedModel cm(m, {s1, s2}, {relu});
  ASSERT_EQ(cm.steps().size(), 6u);  // encode, maxpool, compute, relu, encode, compute
  EXPECT_EQ(cm.steps()[0].kind, StepKind::kEncode);
  EXPECT_EQ(cm.steps()[1].kind, StepKind::kMaxPool);
  EXPECT_EQ(cm.steps()[4].kind, StepKind::kEncode);

  nn::Matrix x(1, 16);
  x << 0.2f, 2.9f, 1.1f, 0.0f,  //
      0.4f, 0.6f, 3.3f, 1.6f,   //
      2.2f, 0.1f, 0.0f, 0.9f,   //
      1.4f, 0.3f, 2.6f, 2.4f;
  // Virtual layer: nearest of {0,1,2,3} -> codes 0 3 1 0 / 0 1 3 2 / 2 0 0 1 / 1 0 3 2.
  // Max-pool on codes, 2x2 windows: max{0,3,0,1}=3, max{1,0,3,2}=3, max{2,0,1,0}=2, max{0,1,3,2}=3
  // -> decoded 3 3 2 3. Dense 1: -3+3+2-3+0.5 = -0.5 and 3+3-2+3-0.5 = 6.5. ReLU: 0, 6.5.
  // Encoding into {0, 4}: codes 0, 1 (values 0, 4). Dense 2: -1*0 + 2*4 + 0 = 8, 2*0 - 1*4 + 1 = -3.
  for (auto acc : {Accumulation::kCounting, Accumulation::kReference}) {
    const auto y = lut_logits(cm, x, {acc, 32});
    EXPECT_FLOAT_EQ(y(0, 0), 8.0f);
    EXPECT_FLOAT_EQ(y(0, 1), -3.0f);
  }
  EXPECT_EQ(lut_predict(cm, x), (std::vector<int>{0}));
}

TEST(ComposedModel, RejectsTablesThatDoNotFit) {
  nn::Model m(nn::Shape{3, 1, 1});
  const int d = m.dense(2);
  ComputeStage s;
  s.node = d; s.name = "x"; s.w = 2; s.u = 2; s.out = 2; s.fan_in = 3;
  s.input_centroids = {0, 1}; s.weight_centroids = {0, 1}; s.weight_codes = {0, 1, 0, 1, 0};
  s.products = {0, 0, 0, 1}; s.bias = {0, 0};
  try {
    ComposedModel cm(m, {s}, {});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "stage 'x': table sizes (input 2, weight centroids 2, codes 5, products 4, bias 2) do not "
                           "match w = 2, u = 2, groups = 1, out = 2, fan_in = 3");
  }
}

nn::Model small_cnn() {
  nn::Model m(nn::Shape{2, 9, 9});
  m.conv2d({4, 3, 3, 1, 1, true});
  m.activation(nn::Activation::kSigmoid);
  m.avg_pool({2, 2, 0, false});
  m.conv2d({5, 3, 3, 2, 1, true});
  m.relu();
  m.max_pool({2, 1, 0, false});
  m.flatten();
  m.dense(7);
  m.relu();
  m.dropout(0.5f);
  m.dense(3);
  randomize(m, 11);
  return m;
}

TEST(LutInference, CountingAgreesWithReferenceOnCnn) {
  auto m = small_cnn();
  const auto x = random_input(40, m.input_shape().size(), 3);
  std::vector<std::int64_t> rows(40);
  for (int i = 0; i < 40; ++i) rows[static_cast<std::size_t>(i)] = i;
  const auto samples = collect_layer_samples(m, x, rows);
  for (auto kind : {CodebookKind::kTree, CodebookKind::kFlat}) {
    const std::vector<int> ws{4, 16}, us{8, 32};
    const auto cb = build_layer_codebooks(m, samples, kind, ws, us, 0.001);
    EXPECT_EQ(cb.weights[0].size(), 4u);  // one codebook per output channel
    EXPECT_EQ(cb.weights[2].size(), 1u);  // one per dense layer
    for (int q : {0, 32}) {
      const auto cm = compose(m, cb, {16, 8, q, TablePlacement::kArcLength});
      EXPECT_EQ(cm.q(), q);
      const auto a = lut_logits(cm, x, {Accumulation::kCounting, 7});
      const auto b = lut_logits(cm, x, {Accumulation::kReference, 32});
      // Same products summed in another order: float rounding only (sums of ~300 terms).
      const float scale = 1.0f + b.cwiseAbs().maxCoeff();
      EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-4f * scale) << to_string(kind) << " q=" << q;
      // Block size (thread partition) does not change the counting result at all.
      const auto c = lut_logits(cm, x, {Accumulation::kCounting, 40});
      EXPECT_EQ((a - c).cwiseAbs().maxCoeff(), 0.0f);
    }
  }
}

TEST(LutInference, FineCodebooksApproximateTheFloatModel) {
  nn::Model m(nn::Shape{20, 1, 1});
  m.dense(16);
  m.relu();
  m.dense(4);
  randomize(m, 5);
  const auto x = random_input(64, 20, 9);
  std::vector<std::int64_t> rows(64);
  for (int i = 0; i < 64; ++i) rows[static_cast<std::size_t>(i)] = i;
  const auto samples = collect_layer_samples(m, x, rows);
  const std::vector<int> sizes{4, 256};
  const auto cb = build_layer_codebooks(m, samples, CodebookKind::kTree, sizes, sizes, 0.0);
  const nn::Matrix ref = m.forward(x);
  const float scale = ref.cwiseAbs().maxCoeff();
  const auto fine = lut_logits(compose(m, cb, {256, 256, 0, TablePlacement::kArcLength}), x);
  const auto coarse = lut_logits(compose(m, cb, {4, 4, 0, TablePlacement::kArcLength}), x);
  const float fine_err = (fine - ref).cwiseAbs().maxCoeff(), coarse_err = (coarse - ref).cwiseAbs().maxCoeff();
  EXPECT_LT(fine_err, 0.02f * scale);
  EXPECT_LT(fine_err, coarse_err);
}

TEST(Compose, RejectsNonSequentialModels) {
  nn::Model m(nn::Shape{4, 1, 1});
  const int a = m.dense(4);
  const int b = m.dense(4, 0);
  m.add_nodes({a, b});
  m.dense(2);
  const auto x = random_input(4, 4, 1);
  const std::vector<std::int64_t> rows{0, 1, 2, 3};
  const auto samples = collect_layer_samples(m, x, rows);
  const std::vector<int> sizes{2};
  const auto cb = build_layer_codebooks(m, samples, CodebookKind::kTree, sizes, sizes, 0.0);
  try {
    compose(m, cb, {2, 2, 0, TablePlacement::kArcLength});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("the composer supports sequential models only: node 2 ('{}') does "
                                                 "not read node 1 alone", m.layer(2).name()));
  }
}

TEST(RunComposer, RetrainingRecordsIterationsAndKeepsTheBest) {
  // Three Gaussian blobs in 6-D; a small MLP trained briefly, then composed at w = u = 4.
  const int n = 600, d = 6;
  nn::Matrix x(n, d);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    CounterRng rng(3, RngDomain::kSyntheticData, static_cast<std::uint64_t>(i));
    y[static_cast<std::size_t>(i)] = i % 3;
    for (int j = 0; j < d; ++j) x(i, j) = static_cast<float>(rng.normal((j % 3 == i % 3) ? 1.5 : 0.0, 0.7));
  }
  nn::Model m(nn::Shape{d, 1, 1});
  m.dense(32);
  m.relu();
  m.dense(3);
  randomize(m, 2);
  nn::TrainOptions t;
  t.sgd.learning_rate = 0.05f;
  t.epochs = 3;
  nn::Trainer(m, t).fit(x, y);
  const double base = nn::error_rate(m, x, y);
  ComposerOptions o;
  o.point = {4, 4, 0, TablePlacement::kArcLength};
  o.input_sample_fraction = 0.2;
  o.retrain_epochs = 1;
  o.max_iterations = 2;
  o.epsilon = -1.0;  // never satisfied: run every iteration
  o.train.sgd.learning_rate = 0.02f;
  const auto r = run_composer(m, {&x, y}, {&x, y}, base, o);
  ASSERT_EQ(r.iterations.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.iterations[static_cast<std::size_t>(i)].iteration, i);
    EXPECT_EQ(r.iterations[static_cast<std::size_t>(i)].epochs, i);
    EXPECT_NEAR(r.iterations[static_cast<std::size_t>(i)].delta_e, r.iterations[static_cast<std::size_t>(i)].error - base, 1e-12);
  }
  EXPECT_EQ(r.epochs, 2);
  double best = 1e9;
  for (const auto& it : r.iterations) best = std::min(best, it.delta_e);
  EXPECT_EQ(r.iterations[static_cast<std::size_t>(r.best_iteration)].delta_e, best);
  // The returned composed model is the best iteration's: evaluating it again gives its error.
  EXPECT_DOUBLE_EQ(lut_error(r.model, x, y), r.iterations[static_cast<std::size_t>(r.best_iteration)].error);
}

}  // namespace
}  // namespace rapidnn::composer
