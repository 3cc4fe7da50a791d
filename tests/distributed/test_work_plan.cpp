// Work plan, synthetic weights, and the sharded algorithms on one rank against the
// single-process references of the cluster module.
#include <gtest/gtest.h>

#include <cmath>

#include "cluster/kmeans1d_fast.hpp"
#include "cluster/tree_codebook.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "distributed/sharded_tree.hpp"
#include "distributed/weight_source.hpp"
#include "distributed/work_plan.hpp"
#include "error_message.hpp"

using namespace rapidnn;
using namespace rapidnn::distributed;
using rapidnn::testing::error_message;

TEST(WorkPlan, ConvChannelsAndShardedLayers) {
  const std::vector<LayerSpec> layers = {{"c", true, 27, 3}, {"d", false, 100, 50}, {"e", false, 10, 10}};
  const auto p = plan_weight_problems(layers, 1000);
  ASSERT_EQ(p.size(), 5U);  // 3 channels + 2 dense layers
  EXPECT_EQ(p[2].channel, 2);
  EXPECT_EQ(p[2].size, 27U);
  EXPECT_FALSE(p[2].sharded);
  EXPECT_TRUE(p[3].sharded);  // 5000 > 1000
  EXPECT_EQ(p[3].channel, -1);
  EXPECT_FALSE(p[4].sharded);  // 100 <= 1000
}

TEST(WorkPlan, ProblemValuesAreTheLayerOrOneOutputColumn) {
  // Row-major 2 x 3 (fan_in x outputs): channel 1 is the middle column {2, 5}.
  const LayerSpec conv{"c", true, 2, 3};
  const std::vector<float> rows{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(problem_values(conv, Problem{0, 1, 2, false}, rows), (std::vector<float>{2, 5}));
  EXPECT_EQ(problem_values(conv, Problem{0, 2, 2, false}, rows), (std::vector<float>{3, 6}));
  const LayerSpec fc{"f", false, 2, 3};
  EXPECT_EQ(problem_values(fc, Problem{0, -1, 6, false}, rows), rows);
}

TEST(WorkPlan, ContiguousBalance) {
  // Equal costs: halves.
  auto b = contiguous_balance(std::vector<std::uint64_t>{1, 1, 1, 1}, 2);
  EXPECT_EQ(b[0].begin, 0U);
  EXPECT_EQ(b[0].end, 2U);
  EXPECT_EQ(b[1].end, 4U);
  // Item 0 carries half of the total 8: it is a block by itself (its cost midpoint 2 lies
  // below 8/2, item 1's midpoint 4.5 does not).
  b = contiguous_balance(std::vector<std::uint64_t>{4, 1, 1, 1, 1}, 2);
  EXPECT_EQ(b[0].end, 1U);
  EXPECT_EQ(b[1].begin, 1U);
  EXPECT_EQ(b[1].end, 5U);
  // More parts than items: trailing blocks are empty, all items are covered once.
  b = contiguous_balance(std::vector<std::uint64_t>{5, 5}, 4);
  std::uint64_t covered = 0;
  for (const auto& r : b) covered += r.size();
  EXPECT_EQ(covered, 2U);
  EXPECT_EQ(b[3].end, 2U);
}

TEST(SyntheticWeights, RowBlocksAreSlicesOfTheLayer) {
  const std::vector<LayerSpec> layers = {{"a", false, 300, 70}, {"b", true, 50, 8}};
  SyntheticWeights w(layers, 42);
  const auto all = w.rows(0, 0, 300);
  const auto part = w.rows(0, 123, 200);  // starts mid-block (123 * 70 = 8610, block 4096)
  EXPECT_EQ(part, std::vector<float>(all.begin() + 123 * 70, all.begin() + 200 * 70));
  // Laplace(0, b) has variance 2 b^2 = 2 / fan_in = 2 / 300.
  double s2 = 0;
  for (float x : all) s2 += static_cast<double>(x) * x;
  EXPECT_NEAR(s2 / static_cast<double>(all.size()), 2.0 / 300.0, 0.03 * 2.0 / 300.0);
  EXPECT_NE(w.rows(1, 0, 1)[0], all[0]);  // layers are different streams
  EXPECT_EQ(SyntheticWeights(layers, 42).rows(1, 3, 9), w.rows(1, 3, 9));
}

namespace {

std::vector<float> laplace_values(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(CounterRng(seed, RngDomain::kUser, i).laplace(0.05));
  return v;
}
}  // namespace

TEST(ShardedKMeans, SingleRankEqualsKmeans1dFastBitForBit) {
  const auto v = laplace_values(40000, 3);  // above exact_below = 16384: the histogram path
  const auto ref = cluster::kmeans1d_fast(v, 16);
  const auto got = sharded_kmeans(par::Communicator(), v, 16);
  EXPECT_EQ(got.centroids, ref.centroids);
  EXPECT_EQ(got.counts, ref.counts);
  EXPECT_EQ(got.wcss, ref.wcss);
  EXPECT_EQ(got.iterations, ref.iterations);
}

TEST(ShardedTree, SplitsAreTheExactTwoMeansSplitsOfBuildTreeCodebook) {
  // Few bins per node force many values through the gather path; many bins the bound path.
  for (const int bins : {64, 1 << 16}) {
    const auto v = laplace_values(30000, 5);
    const auto ref = cluster::build_tree_codebook(v, 5);
    ShardedTreeStats st;
    const auto got = sharded_tree(par::Communicator(), v, 5, ShardedTreeParams{bins}, &st);
    ASSERT_EQ(got.levels(), 5);
    for (int l = 1; l <= 5; ++l) {
      // Same cut positions -> identical counts; means agree to the fixed-point resolution.
      EXPECT_EQ(got.level_counts[l - 1], ref.level_counts[l - 1]) << "level " << l << " bins " << bins;
      for (std::size_t j = 0; j < got.level(l).size(); ++j)
        EXPECT_NEAR(got.level(l)[j], ref.level(l)[j], 1e-9) << "level " << l << " slot " << j;
      EXPECT_NEAR(got.level_wcss[l - 1], ref.level_wcss[l - 1], 1e-9 * ref.level_wcss[l - 1]);
    }
    // Every value encodes to the cluster it was built in, as in the reference.
    for (std::size_t i = 0; i < v.size(); i += 97) EXPECT_EQ(got.encode(v[i], 5), ref.encode(v[i], 5));
    // Range and histogram, then at most one extraction pass per level.
    EXPECT_GE(st.passes, 2 + 1);
    EXPECT_LE(st.passes, 2 + 5);
    // With fine bins only a few bins around each optimum are gathered.
    if (bins > 1000) {
      EXPECT_LT(st.gathered_values, v.size() / 10);
    }
  }
}

TEST(ShardedTree, UnsplittableNodesAndBadInput) {
  // Two distinct values: level 1 splits them, level 2 cannot split further.
  std::vector<float> v = {1, 1, 1, 3, 3};
  const auto t = sharded_tree(par::Communicator(), v, 2);
  EXPECT_EQ(t.level(1), (std::vector<double>{1, 3}));
  EXPECT_EQ(t.level(2), (std::vector<double>{1, 1, 3, 3}));
  EXPECT_EQ(t.level_counts[1], (std::vector<std::uint64_t>{3, 0, 2, 0}));
  EXPECT_EQ(t.level_wcss[0], 0.0);
  v.push_back(std::nanf(""));
  EXPECT_EQ(error_message<Error>([&] { sharded_tree(par::Communicator(), v, 2); }),
            "sharded_tree (rank 0's shard): value at index 5 is not finite (nan)");
  // Two values fill 2 histogram bins: k = 3 cannot be met.
  EXPECT_EQ(error_message<Error>([&] { sharded_kmeans(par::Communicator(), std::vector<float>{1, 2}, 3); }),
            "sharded_kmeans: only 2 occupied histogram bins (2 values in [1, 2]) for k = 3; raise histogram_bins or "
            "lower k");
  EXPECT_EQ(error_message<Error>([&] { sharded_tree(par::Communicator(), std::vector<float>{}, 2); }),
            "sharded_tree: the problem has no values on any rank");
}
