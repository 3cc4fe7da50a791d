// Exact 1-D k-means: hand-computed cases, brute force over every set partition, the three row-minima
// methods against each other, weighted vs unweighted, batch, and the bad-input messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cluster/dp_engine.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/lloyd_reference.hpp"
#include "cluster/segment_cost.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "error_message.hpp"

using rapidnn::testing::error_message;
namespace rc = rapidnn::cluster;
using rapidnn::CounterRng;
using rapidnn::RngDomain;

namespace {

// WCSS of an arbitrary assignment, two-pass in long double.
long double wcss_of_assignment(const std::vector<double>& x, const std::vector<int>& a, int k) {
  std::vector<long double> sum(k, 0), cnt(k, 0);
  for (std::size_t i = 0; i < x.size(); ++i) { sum[a[i]] += x[i]; cnt[a[i]] += 1; }
  long double ss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const long double d = x[i] - sum[a[i]] / cnt[a[i]];
    ss += d * d;
  }
  return ss;
}

// Minimum WCSS over EVERY assignment of the n points to k non-empty clusters (k^n assignments),
// which does not presume that optimal clusters are contiguous.
long double brute_force_wcss(const std::vector<double>& x, int k) {
  const std::size_t n = x.size();
  std::vector<int> a(n, 0);
  long double best = std::numeric_limits<long double>::infinity();
  for (;;) {
    std::vector<int> used(k, 0);
    for (int v : a) used[v] = 1;
    if (std::count(used.begin(), used.end(), 1) == k) best = std::min(best, wcss_of_assignment(x, a, k));
    std::size_t p = 0;
    while (p < n && a[p] == k - 1) a[p++] = 0;
    if (p == n) break;
    ++a[p];
  }
  return best;
}

std::vector<double> random_values(std::uint64_t item, std::size_t n, bool with_duplicates) {
  CounterRng rng(2024, RngDomain::kUser, item);
  std::vector<double> v(n);
  for (auto& x : v) x = with_duplicates ? std::round(rng.normal() * 2.0) : rng.normal();
  return v;
}

std::size_t distinct(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
}

}  // namespace

TEST(Kmeans1dOptimal, HandComputedTwoClusters) {
  // {1,2,3} -> mean 2, SS = 1 + 0 + 1 = 2; {10,11,12} -> mean 11, SS = 2; total WCSS = 4.
  const std::vector<double> x{12, 1, 11, 3, 10, 2};
  const auto cb = rc::kmeans1d_optimal(std::span<const double>(x), 2);
  ASSERT_EQ(cb.centroids.size(), 2u);
  EXPECT_DOUBLE_EQ(cb.centroids[0], 2.0);
  EXPECT_DOUBLE_EQ(cb.centroids[1], 11.0);
  EXPECT_EQ(cb.counts, (std::vector<std::uint64_t>{3, 3}));
  EXPECT_DOUBLE_EQ(cb.wcss, 4.0);
  EXPECT_EQ(cb.iterations, 0);
}

TEST(Kmeans1dOptimal, HandComputedOneAndAllClusters) {
  // k = 1: mean 6.5; SS = 2 * (5.5^2 + 4.5^2 + 3.5^2) = 2 * (30.25 + 20.25 + 12.25) = 125.5.
  const std::vector<float> x{1, 2, 3, 10, 11, 12};
  const auto one = rc::kmeans1d_optimal(std::span<const float>(x), 1);
  EXPECT_DOUBLE_EQ(one.centroids[0], 6.5);
  EXPECT_DOUBLE_EQ(one.wcss, 125.5);
  EXPECT_EQ(one.counts[0], 6u);
  // k = n: every value its own centroid, WCSS 0.
  const auto all = rc::kmeans1d_optimal(std::span<const float>(x), 6);
  EXPECT_EQ(all.centroids, (std::vector<double>{1, 2, 3, 10, 11, 12}));
  EXPECT_EQ(all.wcss, 0.0);
  // k = 3 on {0, 0, 1, 5, 6, 20}: clusters {0,0,1} (mean 1/3, SS = 2/9+2/9... = 2/3),
  // {5,6} (mean 5.5, SS 0.5), {20} (SS 0): WCSS = 2/3 + 1/2 = 7/6.
  // ({0,0,1},{5,6,20}) with k = 2 would cost 2/3 + 134 > 7/6, so 20 stands alone.
  const std::vector<double> y{20, 6, 0, 5, 1, 0};
  const auto three = rc::kmeans1d_optimal(std::span<const double>(y), 3);
  EXPECT_NEAR(three.centroids[0], 1.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(three.centroids[1], 5.5);
  EXPECT_DOUBLE_EQ(three.centroids[2], 20.0);
  EXPECT_EQ(three.counts, (std::vector<std::uint64_t>{3, 2, 1}));
  EXPECT_NEAR(three.wcss, 7.0 / 6.0, 1e-15);
}

TEST(Kmeans1dOptimal, MatchesBruteForceOverAllSetPartitions) {
  int checked = 0;
  for (std::uint64_t trial = 0; trial < 160; ++trial) {
    const std::size_t n = 1 + trial % 8;
    const bool dup = trial % 3 == 0;
    const auto x = random_values(trial, n, dup);
    const int kmax = static_cast<int>(std::min<std::size_t>(4, distinct(x)));
    for (int k = 1; k <= kmax; ++k) {
      const auto cb = rc::kmeans1d_optimal(std::span<const double>(x), k);
      const long double best = brute_force_wcss(x, k);
      EXPECT_NEAR(cb.wcss, static_cast<double>(best), 1e-12 * (1 + static_cast<double>(best)))
          << "trial " << trial << " n " << n << " k " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(Kmeans1dOptimal, AllRowMinimaMethodsAgreeWithQuadraticReference) {
  for (std::uint64_t trial = 0; trial < 24; ++trial) {
    const std::size_t n = 50 + 37 * trial;
    auto x = random_values(1000 + trial, n, trial % 4 == 3);
    std::sort(x.begin(), x.end());
    const int k = static_cast<int>(std::min<std::size_t>(2 + 3 * trial, distinct(x)));  // up to 71
    const rc::detail::SegmentCost<false> cost(x, {});
    const auto a = rc::detail::optimal_starts(cost, k, rc::detail::RowMinima::kSmawk);
    const auto b = rc::detail::optimal_starts(cost, k, rc::detail::RowMinima::kDivideConquer);
    const auto c = rc::detail::optimal_starts(cost, k, rc::detail::RowMinima::kQuadratic);
    const auto d = rc::detail::optimal_starts(cost, k, rc::detail::RowMinima::kBoundedDivideConquer);
    EXPECT_NEAR(rc::codebook_from_partition(x, d).wcss, rc::codebook_from_partition(x, c).wcss,
                1e-12 * rc::codebook_from_partition(x, c).wcss) << "trial " << trial;
    const auto wa = rc::codebook_from_partition(x, a).wcss;
    const auto wb = rc::codebook_from_partition(x, b).wcss;
    const auto wc = rc::codebook_from_partition(x, c).wcss;
    EXPECT_NEAR(wa, wc, 1e-12 * wc) << "trial " << trial;
    EXPECT_NEAR(wb, wc, 1e-12 * wc) << "trial " << trial;
    if (trial % 4 != 3) {  // distinct continuous values: the optimum is unique
      EXPECT_EQ(a, c) << "trial " << trial;
      EXPECT_EQ(b, c) << "trial " << trial;
      EXPECT_EQ(d, c) << "trial " << trial;
    }
  }
}

TEST(Kmeans1dOptimal, FloatAndDoubleOverloadsAgree) {
  CounterRng rng(5, RngDomain::kUser, 0);
  std::vector<float> f(3000);
  for (auto& v : f) v = static_cast<float>(rng.laplace(1.0));
  const std::vector<double> d(f.begin(), f.end());
  const auto a = rc::kmeans1d_optimal(std::span<const float>(f), 16);
  const auto b = rc::kmeans1d_optimal(std::span<const double>(d), 16);
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_EQ(a.counts, b.counts);
  EXPECT_EQ(a.wcss, b.wcss);
  EXPECT_TRUE(std::is_sorted(a.centroids.begin(), a.centroids.end()));
}

TEST(Kmeans1dOptimal, LloydNeverBeatsTheDp) {
  for (std::uint64_t trial = 0; trial < 20; ++trial) {
    const auto x = random_values(3000 + trial, 400, false);
    for (int k : {2, 5, 9, 17}) {
      const auto dp = rc::kmeans1d_optimal(std::span<const double>(x), k);
      const auto lloyd = rc::kmeans1d_lloyd_reference(x, k);
      EXPECT_GE(lloyd.wcss, dp.wcss * (1 - 1e-12)) << "trial " << trial << " k " << k;
    }
  }
}

TEST(Kmeans1dWeightedOptimal, EqualsUnweightedWithRepeatedPoints) {
  // Points p_j repeated w_j times must give the same codebook as weight w_j.
  CounterRng rng(9, RngDomain::kUser, 1);
  std::vector<double> points, weights, expanded;
  double p = 0;
  for (int j = 0; j < 120; ++j) {
    p += 0.05 + rng.uniform();
    const int w = 1 + static_cast<int>(rng.below(6));
    points.push_back(p);
    weights.push_back(w);
    for (int r = 0; r < w; ++r) expanded.push_back(p);
  }
  for (int k : {1, 3, 8, 20}) {
    const auto wcb = rc::kmeans1d_weighted_optimal(points, weights, k);
    const auto ucb = rc::kmeans1d_optimal(std::span<const double>(expanded), k);
    ASSERT_EQ(wcb.centroids.size(), ucb.centroids.size());
    for (int c = 0; c < k; ++c) EXPECT_NEAR(wcb.centroids[c], ucb.centroids[c], 1e-12 * (1 + std::fabs(ucb.centroids[c])));
    EXPECT_EQ(wcb.counts, ucb.counts);
    EXPECT_NEAR(wcb.wcss, ucb.wcss, 1e-10 * (1 + ucb.wcss));
  }
}

TEST(Kmeans1dOptimal, BatchEqualsOneByOne) {
  std::vector<std::vector<float>> data(37);
  std::vector<std::span<const float>> spans;
  for (std::size_t i = 0; i < data.size(); ++i) {
    CounterRng rng(11, RngDomain::kUser, i);
    data[i].resize(100 + 13 * i);
    for (auto& v : data[i]) v = static_cast<float>(rng.normal());
    spans.emplace_back(data[i]);
  }
  const auto batch = rc::kmeans1d_optimal_batch(spans, 8);
  ASSERT_EQ(batch.size(), data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto one = rc::kmeans1d_optimal(spans[i], 8);
    EXPECT_EQ(batch[i].centroids, one.centroids);
    EXPECT_EQ(batch[i].wcss, one.wcss);
  }
}

TEST(Kmeans1dOptimal, BadInputMessages) {
  using rapidnn::InvalidArgument;
  const std::vector<double> empty;
  const std::vector<double> three{1, 1, 2, 5};
  const std::vector<float> with_nan{1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  const std::vector<double> with_inf{1.0, 2.0, -std::numeric_limits<double>::infinity()};
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const double>(empty), 2); }),
            "kmeans1d_optimal: empty input (0 values)");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const double>(three), 4); }),
            "kmeans1d_optimal: k = 4 exceeds the number of distinct values (3)");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const double>(three), 0); }),
            "kmeans1d_optimal: k must be >= 1, got k = 0");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const float>(with_nan), 1); }),
            "kmeans1d_optimal: value at index 1 is not finite (nan)");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const double>(with_inf), 1); }),
            "kmeans1d_optimal: value at index 2 is not finite (-inf)");
  const std::vector<double> pts{0, 1, 1}, w{1, 2, 3}, w2{1, 0, 3};
  const std::vector<double> asc{0, 1, 2};
  EXPECT_EQ(error_message([&] { rc::kmeans1d_weighted_optimal(pts, w, 2); }),
            "kmeans1d_weighted_optimal: points must be strictly ascending, but point 1 = 1 >= point 2 = 1");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_weighted_optimal(asc, w2, 2); }),
            "kmeans1d_weighted_optimal: weight at index 1 must be finite and > 0, got 0");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_weighted_optimal(asc, std::vector<double>{1, 2}, 2); }),
            "kmeans1d_weighted_optimal: 3 points but 2 weights");
  EXPECT_EQ(error_message([&] { rc::kmeans1d_weighted_optimal(asc, w, 4); }),
            "kmeans1d_weighted_optimal: k = 4 exceeds the number of distinct values (3)");
  const std::vector<double> huge{1.0, -3e200};
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal(std::span<const double>(huge), 1); }),
            "kmeans1d_optimal: values up to 3e+200 in magnitude are too large (limit 1e150); rescale them");
  std::vector<std::vector<float>> probs{{1, 2, 3}, {1, 1}, {4, 5}, {}};
  std::vector<std::span<const float>> spans(probs.begin(), probs.end());
  EXPECT_EQ(error_message([&] { rc::kmeans1d_optimal_batch(spans, 2); }),
            "problem 1: kmeans1d_optimal: k = 2 exceeds the number of distinct values (1)");
}
