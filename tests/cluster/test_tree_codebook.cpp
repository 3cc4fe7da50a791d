// Tree codebooks (Section 3.1, Figure 5): ascending levels, order-preserving codes with the
// prefix property, exact 2-means splits, unsplittable nodes, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/codebook.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/tree_codebook.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "error_message.hpp"

using rapidnn::testing::error_message;
namespace rc = rapidnn::cluster;
using rapidnn::CounterRng;
using rapidnn::RngDomain;

namespace {
std::vector<float> normal_values(std::size_t n, std::uint64_t item) {
  CounterRng rng(123, RngDomain::kUser, item);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.normal());
  return v;
}
}  // namespace

TEST(TreeCodebook, HandComputedThreeLevels) {
  // {1,2,3,10,11,12}: level 1 = exact 2-means {2, 11} (WCSS 4, see the DP test).
  // Level 2 splits {1,2,3} -> {1} | {2,3} (SS 0 + 0.5; the other cut {1,2}|{3} also gives 0.5 and
  // the scan keeps the first best cut) and {10,11,12} -> {10} | {11,12}: centroids
  // {1, 2.5, 10, 11.5}, WCSS 1. Level 3: {1} cannot split (duplicate slot), {2,3} -> {2}|{3}, ...
  const std::vector<float> x{12, 1, 11, 3, 10, 2};
  const auto t = rc::build_tree_codebook(std::span<const float>(x), 3);
  ASSERT_EQ(t.levels(), 3);
  EXPECT_EQ(t.level(1), (std::vector<double>{2, 11}));
  EXPECT_DOUBLE_EQ(t.level_wcss[0], 4.0);
  EXPECT_EQ(t.level(2), (std::vector<double>{1, 2.5, 10, 11.5}));
  EXPECT_DOUBLE_EQ(t.level_wcss[1], 1.0);
  EXPECT_EQ(t.level(3), (std::vector<double>{1, 1, 2, 3, 10, 10, 11, 12}));
  EXPECT_EQ(t.level_counts[2], (std::vector<std::uint64_t>{1, 0, 1, 1, 1, 0, 1, 1}));
  EXPECT_DOUBLE_EQ(t.level_wcss[2], 0.0);
  EXPECT_EQ(t.distinct_level(3), (std::vector<double>{1, 2, 3, 10, 11, 12}));
  // Codes (Figure 5b: deeper codes append bits to the parent's code).
  EXPECT_EQ(t.encode(1, 1), 0u);
  EXPECT_EQ(t.encode(1, 3), 0u);   // 0 -> 00 -> 000 (unsplittable: always left)
  EXPECT_EQ(t.encode(3, 2), 1u);   // 0 -> 01
  EXPECT_EQ(t.encode(3, 3), 3u);   // 01 -> 011
  EXPECT_EQ(t.encode(12, 3), 7u);  // 1 -> 11 -> 111
  EXPECT_EQ(t.decode(t.encode(11, 3), 3), 11.0);
}

TEST(TreeCodebook, LevelsAscendingCodesOrderPreservingWithPrefixProperty) {
  const auto v = normal_values(5000, 1);
  const int L = 7;
  const auto t = rc::build_tree_codebook(std::span<const float>(v), L);
  for (int l = 1; l <= L; ++l) {
    const auto& c = t.level(l);
    ASSERT_EQ(c.size(), std::size_t{1} << l);
    EXPECT_TRUE(std::is_sorted(c.begin(), c.end())) << "level " << l;
    std::uint64_t total = 0;
    for (auto n : t.level_counts[l - 1]) total += n;
    EXPECT_EQ(total, v.size());
    if (l > 1) {
      EXPECT_LE(t.level_wcss[l - 1], t.level_wcss[l - 2]);
    }
  }
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  CounterRng rng(5, RngDomain::kUser, 0);
  std::vector<double> probes(sorted.begin(), sorted.end());
  for (int i = 0; i < 2000; ++i) probes.push_back(rng.normal() * 5);  // also values never seen
  std::sort(probes.begin(), probes.end());
  for (int l = 1; l <= L; ++l) {
    std::uint32_t prev = 0;
    for (const double x : probes) {
      const std::uint32_t code = t.encode(x, l);
      ASSERT_GE(code, prev) << "order violated at level " << l << " x " << x;
      prev = code;
      if (l < L) {
        ASSERT_EQ(t.encode(x, l + 1) >> 1, code) << "prefix property, level " << l;
      }
    }
  }
  // Max-pooling on codes (Section 3.1 / 4.2.1): the max of a window's codes is the code of the
  // window's max, at every level.
  for (int w = 0; w < 500; ++w) {
    double window[4];
    for (double& x : window) x = rng.normal() * 2;
    const double mx = *std::max_element(std::begin(window), std::end(window));
    for (int l = 1; l <= L; ++l) {
      std::uint32_t max_code = 0;
      for (double x : window) max_code = std::max(max_code, t.encode(x, l));
      ASSERT_EQ(max_code, t.encode(mx, l));
    }
  }
  // Training values encode into the slot whose count they were counted in.
  for (int l = 1; l <= L; ++l) {
    std::vector<std::uint64_t> counts(std::size_t{1} << l, 0);
    for (const float x : v) ++counts[t.encode(x, l)];
    EXPECT_EQ(counts, t.level_counts[l - 1]) << "level " << l;
  }
}

TEST(TreeCodebook, EverySplitIsAnExactTwoMeans) {
  const auto v = normal_values(3000, 2);
  const auto t = rc::build_tree_codebook(std::span<const float>(v), 4);
  // Level 1 equals the exact k = 2 optimum.
  const auto two = rc::kmeans1d_optimal(std::span<const float>(v), 2);
  EXPECT_NEAR(t.level(1)[0], two.centroids[0], 1e-12);
  EXPECT_NEAR(t.level(1)[1], two.centroids[1], 1e-12);
  EXPECT_NEAR(t.level_wcss[0], two.wcss, 1e-9 * two.wcss);
  // Each node of level 3 splits into an exact 2-means of its own values.
  for (std::uint32_t node = 0; node < 8; ++node) {
    std::vector<double> members;
    for (const float x : v) if (t.encode(x, 3) == node) members.push_back(x);
    const auto opt = rc::kmeans1d_optimal(std::span<const double>(members), 2);
    EXPECT_NEAR(t.level(4)[2 * node], opt.centroids[0], 1e-12) << "node " << node;
    EXPECT_NEAR(t.level(4)[2 * node + 1], opt.centroids[1], 1e-12) << "node " << node;
  }
}

TEST(TreeCodebook, OptimalTwoSplitMatchesScanOfAllCuts) {
  for (std::uint64_t trial = 0; trial < 30; ++trial) {
    auto f = normal_values(2 + trial * 7, 100 + trial);
    std::vector<double> x(f.begin(), f.end());
    std::sort(x.begin(), x.end());
    const std::size_t s = rc::optimal_two_split_sorted(x);
    auto wcss_at = [&](std::size_t cut) {
      const std::vector<std::size_t> starts{0, cut};
      return rc::codebook_from_partition(x, starts).wcss;
    };
    for (std::size_t cut = 1; cut < x.size(); ++cut) EXPECT_LE(wcss_at(s), wcss_at(cut) * (1 + 1e-12));
  }
}

TEST(TreeCodebook, FewDistinctValuesKeepPrefixPropertyAndAscendingLevels) {
  // Two distinct values, 4 levels: below level 1 no node can split.
  const std::vector<float> v{5, 5, 5, 9, 9};
  const auto t = rc::build_tree_codebook(std::span<const float>(v), 4);
  EXPECT_EQ(t.level(1), (std::vector<double>{5, 9}));
  EXPECT_EQ(t.level(2), (std::vector<double>{5, 5, 9, 9}));
  EXPECT_EQ(t.level_counts[1], (std::vector<std::uint64_t>{3, 0, 2, 0}));
  EXPECT_EQ(t.distinct_level(4), (std::vector<double>{5, 9}));
  for (double x : {-1.0, 5.0, 6.9, 7.0, 7.1, 9.0, 100.0}) {
    for (int l = 1; l < 4; ++l) EXPECT_EQ(t.encode(x, l + 1) >> 1, t.encode(x, l));
    // The code's slot is the populated one, and nearest_index agrees (ties -> lower index).
    EXPECT_EQ(t.encode(x, 4), rc::nearest_index(t.level(4), x)) << x;
  }
  EXPECT_EQ(t.encode(5, 4), 0u);
  EXPECT_EQ(t.encode(9, 4), 8u);  // 1 -> 10 -> 100 -> 1000
  // A single distinct value: level 1 already duplicates.
  const std::vector<float> one{2, 2};
  const auto u = rc::build_tree_codebook(std::span<const float>(one), 2);
  EXPECT_EQ(u.level(1), (std::vector<double>{2, 2}));
  EXPECT_EQ(u.level_counts[0], (std::vector<std::uint64_t>{2, 0}));
  EXPECT_EQ(u.encode(3.0, 2), 0u);
}

TEST(TreeCodebook, BatchEqualsOneByOne) {
  std::vector<std::vector<float>> data;
  for (std::uint64_t i = 0; i < 20; ++i) data.push_back(normal_values(50 + 31 * i, 500 + i));
  std::vector<std::span<const float>> spans(data.begin(), data.end());
  const auto batch = rc::build_tree_codebook_batch(spans, 6);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto one = rc::build_tree_codebook(spans[i], 6);
    EXPECT_EQ(batch[i].level_centroids, one.level_centroids);
    EXPECT_EQ(batch[i].split_thresholds, one.split_thresholds);
  }
}

TEST(TreeCodebook, BadInputMessages) {
  const std::vector<float> ok{1, 2, 3};
  const std::vector<float> inf{1, INFINITY};
  EXPECT_EQ(error_message([&] { rc::build_tree_codebook(std::span<const float>(), 2); }),
            "build_tree_codebook: empty input (0 values)");
  EXPECT_EQ(error_message([&] { rc::build_tree_codebook(std::span<const float>(ok), 0); }),
            "build_tree_codebook: levels must be in 1..24, got 0");
  EXPECT_EQ(error_message([&] { rc::build_tree_codebook(std::span<const float>(inf), 2); }),
            "build_tree_codebook: value at index 1 is not finite (inf)");
  const auto t = rc::build_tree_codebook(std::span<const float>(ok), 2);
  EXPECT_EQ(error_message([&] { t.level(3); }), "TreeCodebook: level 3 out of range 1..2");
  EXPECT_EQ(error_message([&] { t.encode(1.0, 0); }), "TreeCodebook: level 0 out of range 1..2");
  std::vector<std::vector<float>> probs{{1, 2}, {}, {3}};
  std::vector<std::span<const float>> spans(probs.begin(), probs.end());
  EXPECT_EQ(error_message([&] { rc::build_tree_codebook_batch(spans, 2); }),
            "problem 1: build_tree_codebook: empty input (0 values)");
}
