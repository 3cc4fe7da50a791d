// RNA sharing in the composer (Sec 5.6, Table 4; src/composer/rna_sharing.hpp): the kept-table
// count, the hand-computed sharing plan, and a composed conv layer whose sharing channel is
// re-encoded with its host's codebook while the Dense layer (one table) stays as it was.
#include <gtest/gtest.h>

#include "composer/lut_inference.hpp"
#include "composer/rna_sharing.hpp"
#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"

namespace rapidnn::composer {
namespace {

// Three channels of three weights, w = 2 (rows: weights; codebooks beside them):
//   g0 {-1, 1, 1}   C0 {-1, 1}
//   g1 {-1, -1, 2}  C1 {-1, 2}
//   g2 {-5, -5, 5}  C2 {-5, 5}
//   g3 {-5, -5, 6}  C3 {-5, 6}
// Own codebooks are exact (own error 0), so P(i, j) = squared error of g_i with C_j:
//   P(1,0) = (2-1)^2 = 1, P(0,1) = 2 x (1-2)^2 = 2, P(2,3) = (5-6)^2 = 1, P(3,2) = 1,
//   P(2,1) = 2 x 16 + 9 = 41, P(0,2) = 48, ... (all others >= 41).
const std::vector<float> kWeights = {-1, 1, 1, -1, -1, 2, -5, -5, 5, -5, -5, 6};
const std::vector<float> kCentroids = {-1, 1, -1, 2, -5, 5, -5, 6};

TEST(RnaSharing, KeptTablesFollowTheAcceleratorRule) {
  EXPECT_EQ(kept_tables(1, 0.3), 1);    // a Dense layer keeps its single table
  EXPECT_EQ(kept_tables(10, 0.3), 7);   // ceil(10 x 0.7)
  EXPECT_EQ(kept_tables(64, 0.3), 45);  // ceil(44.8)
  EXPECT_EQ(kept_tables(64, 0.0), 64);
  EXPECT_EQ(kept_tables(4, 0.5), 2);
  try {
    kept_tables(4, 0.6);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "table sharing fraction must be in [0, 0.5], got 0.6");
  }
}

TEST(RnaSharing, PlanTakesTheSmallestPenaltyPairsByHand) {
  // Three groups at s = 1/3: one sharer. Smallest penalty P(1,0) = 1: g1 uses C0.
  const std::span<const float> w3(kWeights.data(), 9), c3(kCentroids.data(), 6);
  EXPECT_EQ(plan_table_sharing(w3, 3, c3, 2, 1.0 / 3.0), (std::vector<int>{0, 0, 2}));
  EXPECT_EQ(plan_table_sharing(w3, 3, c3, 2, 0.0), (std::vector<int>{0, 1, 2}));
  // Four groups at s = 0.5: two sharers. Ties at 1: (1,0) first (lower i); g0 is then a host,
  // so the next is (2,3) before (3,2).
  EXPECT_EQ(plan_table_sharing(kWeights, 4, kCentroids, 2, 0.5), (std::vector<int>{0, 0, 3, 3}));
  EXPECT_THROW(plan_table_sharing(kWeights, 4, c3, 2, 0.5), InvalidArgument);
}

TEST(RnaSharing, ShareTablesReencodesTheSharingChannel) {
  // input 3x1x1 -> conv 1x1 with 3 output channels (fan_in 3) -> flatten -> dense(2).
  nn::Model m(nn::Shape{3, 1, 1});
  const int c = m.conv2d({3, 1, 1, 1, 0, true});
  m.flatten();
  const int d = m.dense(2);
  auto& cw = m.conv2d_at(c).weights();
  for (int i = 0; i < 9; ++i) cw.data()[i] = kWeights[static_cast<std::size_t>(i)];
  auto& dw = m.dense_at(d).weights();
  dw << 1, -1, 1,  //
      -1, 1, -1;
  ComputeStage s1;
  s1.node = c; s1.name = m.layer(c).name(); s1.conv = true; s1.w = 2; s1.u = 2; s1.groups = 3; s1.out = 3;
  s1.fan_in = 3;
  s1.input_centroids = {0, 1};
  s1.weight_centroids.assign(kCentroids.begin(), kCentroids.begin() + 6);
  s1.weight_codes = {0, 1, 1, 0, 0, 1, 0, 0, 1};
  for (int g = 0; g < 3; ++g)
    for (int a = 0; a < 2; ++a)
      for (float b : s1.input_centroids) s1.products.push_back(s1.weight_centroids[static_cast<std::size_t>(2 * g + a)] * b);
  s1.bias = {0, 0, 0};
  ComputeStage s2;
  s2.node = d; s2.name = m.layer(d).name(); s2.w = 2; s2.u = 2; s2.out = 2; s2.fan_in = 3;
  s2.input_centroids = {0, 3};
  s2.weight_centroids = {-1, 1};
  s2.weight_codes = {1, 0, 1, 0, 1, 0};
  for (float a : s2.weight_centroids)
    for (float b : s2.input_centroids) s2.products.push_back(a * b);
  s2.bias = {0, 0};
  const ComposedModel cm(m, {s1, s2}, {});
  EXPECT_EQ(shared_table_count(cm, 1.0 / 3.0), 1);  // one conv channel, no Dense table

  const ComposedModel shared = share_tables(m, cm, 1.0 / 3.0);
  const auto& t = shared.stages()[0];
  EXPECT_EQ(t.weight_centroids, (std::vector<float>{-1, 1, -1, 1, -5, 5}));
  // g1's weights {-1, -1, 2} with C0 {-1, 1}: codes 0 0 1 (2 -> 1).
  EXPECT_EQ(t.weight_codes, (std::vector<Code>{0, 1, 1, 0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(t.products, (std::vector<float>{-0.0f, -1, 0, 1, -0.0f, -1, 0, 1, -0.0f, -5, 0, 5}));
  EXPECT_EQ(shared.stages()[1].weight_codes, cm.stages()[1].weight_codes);
  EXPECT_EQ(shared.stages()[1].products, cm.stages()[1].products);
  // Input (0, 0, 1): channels before (1, 2, 5), encoded into {0, 3}: 0, 3, 3; dense rows
  // (1, -1, 1) and (-1, 1, -1): 0 and 0. After sharing channel 1 is 1 -> code 0 (value 0):
  // 0 - 0 + 3 = 3 and -3.
  nn::Matrix x(1, 3);
  x << 0, 0, 1;
  const auto y0 = lut_logits(cm, x), y1 = lut_logits(shared, x);
  EXPECT_FLOAT_EQ(y0(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(y0(0, 1), 0.0f);
  EXPECT_FLOAT_EQ(y1(0, 0), 3.0f);
  EXPECT_FLOAT_EQ(y1(0, 1), -3.0f);
  // Sharing nothing changes nothing.
  const ComposedModel same = share_tables(m, cm, 0.0);
  EXPECT_EQ(same.stages()[0].weight_codes, cm.stages()[0].weight_codes);
  EXPECT_EQ(same.stages()[0].products, cm.stages()[0].products);
}

}  // namespace
}  // namespace rapidnn::composer
