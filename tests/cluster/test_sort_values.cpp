// Radix-sorted copies agree with std::sort, including signed zeros, subnormals and extremes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cluster/sort_values.hpp"
#include "cluster/tree_codebook.hpp"
#include "core/rng.hpp"

namespace rc = rapidnn::cluster;

TEST(SortValues, RadixSortMatchesStdSort) {
  rapidnn::CounterRng rng(8, rapidnn::RngDomain::kUser, 0);
  std::vector<float> v(100000);  // above the comparison-sort cutoff
  for (std::size_t i = 0; i < v.size(); ++i) {
    switch (i % 9) {
      case 0: v[i] = -0.0f; break;
      case 1: v[i] = 0.0f; break;
      case 2: v[i] = std::numeric_limits<float>::denorm_min() * static_cast<float>(rng.below(5)); break;
      case 3: v[i] = -std::numeric_limits<float>::max() * static_cast<float>(rng.uniform()); break;
      case 4: v[i] = std::numeric_limits<float>::max() * static_cast<float>(rng.uniform()); break;
      default: v[i] = static_cast<float>(rng.laplace(1.0)); break;
    }
  }
  const auto got = rc::sorted_copy(std::span<const float>(v));
  std::vector<float> want = v;
  std::sort(want.begin(), want.end());
  ASSERT_EQ(got.size(), want.size());
  ASSERT_TRUE(std::is_sorted(got.begin(), got.end()));
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;  // -0 == +0
  const std::vector<double> d(v.begin(), v.end());
  const auto gd = rc::sorted_copy(std::span<const double>(d));
  for (std::size_t i = 0; i < gd.size(); ++i) ASSERT_EQ(gd[i], static_cast<double>(want[i]));
}

TEST(SortValues, TreeFromFloatsEqualsTreeFromDoubles) {
  rapidnn::CounterRng rng(9, rapidnn::RngDomain::kUser, 0);
  std::vector<float> v(70000);
  for (auto& x : v) x = static_cast<float>(rng.normal());
  const std::vector<double> d(v.begin(), v.end());
  const auto a = rc::build_tree_codebook(std::span<const float>(v), 6);
  const auto b = rc::build_tree_codebook(std::span<const double>(d), 6);
  EXPECT_EQ(a.level_centroids, b.level_centroids);
  EXPECT_EQ(a.level_counts, b.level_counts);
  EXPECT_EQ(a.split_thresholds, b.split_thresholds);
  EXPECT_EQ(a.level_wcss, b.level_wcss);
}
