// The certified fast exact 1-D k-means (certified_partition.hpp): every result is compared with
// the full k-layer DP (itself cross-checked against the quadratic reference and brute force in
// test_kmeans1d_optimal.cpp), on data where the certificate succeeds and on data built so that it
// cannot (collinear optimal costs), where the fallback must take over.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/certified_partition.hpp"
#include "cluster/dp_engine.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/segment_cost.hpp"
#include "core/rng.hpp"

namespace rc = rapidnn::cluster;
namespace rd = rapidnn::cluster::detail;
using rapidnn::CounterRng;
using rapidnn::RngDomain;

namespace {

enum class Shape { kLaplace, kUniform, kMixture, kDuplicates };

std::vector<double> sorted_values(std::size_t n, Shape shape, std::uint64_t item) {
  CounterRng rng(17, RngDomain::kUser, item);
  std::vector<double> v(n);
  for (auto& x : v) {
    switch (shape) {
      case Shape::kLaplace: x = rng.laplace(1.0); break;
      case Shape::kUniform: x = rng.uniform(); break;
      case Shape::kMixture: x = 10.0 * static_cast<double>(rng.below(5)) + rng.normal(); break;  // gaps
      case Shape::kDuplicates: x = std::round(rng.laplace(1.0) * 8) / 8; break;                    // many ties
    }
  }
  std::sort(v.begin(), v.end());
  return v;
}

double wcss(const std::vector<double>& v, const std::vector<std::size_t>& starts) {
  return rc::codebook_from_partition(v, starts).wcss;
}

}  // namespace

TEST(CertifiedPartition, EqualsTheFullDpAndIsCertified) {
  int certified = 0, cases = 0;
  for (const Shape shape : {Shape::kLaplace, Shape::kUniform, Shape::kMixture})
    for (const std::size_t n : {600, 1500, 4608})
      for (const int k : {16, 64}) {
        const auto v = sorted_values(n, shape, n * 131 + static_cast<std::uint64_t>(k));
        const rd::SegmentCost<false> cost(v, {});
        rd::CertifiedPartitionStats st;
        const auto fast = rd::certified_optimal_starts(v, {}, cost, k, &st);
        const auto full = rd::optimal_starts(cost, k, rd::RowMinima::kBoundedDivideConquer);
        ASSERT_EQ(fast.size(), static_cast<std::size_t>(k));
        // Optimal: the same WCSS (to the rounding of the two-pass sums); random data has a unique
        // optimum, so the same partition.
        EXPECT_NEAR(wcss(v, fast), wcss(v, full), 1e-12 * wcss(v, full)) << "n " << n << " k " << k;
        EXPECT_EQ(fast, full) << "n " << n << " k " << k;
        certified += st.certified ? 1 : 0;
        ++cases;
      }
  // The fast path is the point: the certificate must hold on (nearly) all of them.
  EXPECT_GE(certified, cases - 1);
}

TEST(CertifiedPartition, WeightedPointsEqualTheFullDp) {
  const auto p = sorted_values(3000, Shape::kLaplace, 5);
  std::vector<double> pts, w;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!pts.empty() && p[i] <= pts.back()) continue;
    pts.push_back(p[i]);
    w.push_back(1.0 + static_cast<double>(i % 7));
  }
  const rd::SegmentCost<true> cost(pts, w);
  rd::CertifiedPartitionStats st;
  const auto fast = rd::certified_optimal_starts(pts, w, cost, 32, &st);
  const auto full = rd::optimal_starts(cost, 32, rd::RowMinima::kBoundedDivideConquer);
  EXPECT_EQ(fast, full);
  EXPECT_TRUE(st.certified);
}

TEST(CertifiedPartition, CollinearCostsFallBackToTheFullDp) {
  // 30 identical, far-apart groups of 19 copies of 100 i and one of 100 i + 1. From k = 30 to 60
  // every extra cluster splits one group and saves the same 19/20, so the optimal costs are
  // collinear there: no penalty makes exactly k = 45 clusters optimal, the certificate cannot
  // exist, and the full DP must produce the (tied) optimum.
  std::vector<double> v;
  for (int i = 0; i < 30; ++i) {
    for (int c = 0; c < 19; ++c) v.push_back(100.0 * i);
    v.push_back(100.0 * i + 1);
  }
  const rd::SegmentCost<false> cost(v, {});
  rd::CertifiedPartitionStats st;
  const auto fast = rd::certified_optimal_starts(v, {}, cost, 45, &st);
  EXPECT_FALSE(st.certified);
  EXPECT_GT(st.lambda_steps, 0);
  // 15 groups split (0 each), 15 not (19/20 each).
  EXPECT_NEAR(wcss(v, fast), 15 * 0.95, 1e-9);
  EXPECT_EQ(fast, rd::optimal_starts(cost, 45, rd::RowMinima::kQuadratic));
}

TEST(CertifiedPartition, BandedDpWithFullBandsIsTheFullDp) {
  const auto v = sorted_values(800, Shape::kLaplace, 9);
  const rd::SegmentCost<false> cost(v, {});
  const int k = 12;
  const std::size_t n = v.size(), K = k;
  std::vector<std::size_t> lo(K), hi(K);
  for (std::size_t m = 1; m < K; ++m) {
    lo[m] = m;
    hi[m] = n - K + m;
  }
  EXPECT_EQ(rd::banded_optimal_starts(cost, k, lo, hi), rd::optimal_starts(cost, k, rd::RowMinima::kQuadratic));
  // A band that excludes the optimum's cut 5 gives the best partition with cut 5 inside it.
  const auto full = rd::optimal_starts(cost, k, rd::RowMinima::kQuadratic);
  const std::size_t c = full[5] + 7;
  for (std::size_t m = 1; m < K; ++m) {  // bands stay nondecreasing around the pinned cut
    if (m < 5) hi[m] = std::min(hi[m], c - (5 - m));
    if (m > 5) lo[m] = std::max(lo[m], c + (m - 5));
  }
  lo[5] = hi[5] = c;
  const auto banded = rd::banded_optimal_starts(cost, k, lo, hi);
  EXPECT_EQ(banded[5], full[5] + 7);
  EXPECT_GT(wcss(v, banded), wcss(v, full));
}

TEST(CertifiedPartition, PenalizedPassMatchesABruteForceDp) {
  // O(n^2) reference: F(i) = min_j F(j) + cost(j, i-1) + lambda, both the window scan and the
  // candidate-queue variants.
  for (const Shape shape : {Shape::kLaplace, Shape::kDuplicates}) {
    const auto v = sorted_values(300, shape, 3);
    const rd::SegmentCost<false> cost(v, {});
    for (const double lambda : {1e-4, 1e-2, 0.5, 5.0}) {
      const std::size_t n = v.size();
      std::vector<double> F(n + 1, 0);
      std::vector<std::size_t> arg(n + 1, 0);
      for (std::size_t i = 1; i <= n; ++i) {
        F[i] = INFINITY;
        for (std::size_t j = 0; j < i; ++j) {
          const double f = F[j] + cost(j, i - 1) + lambda;
          if (f < F[i]) {
            F[i] = f;
            arg[i] = j;
          }
        }
      }
      std::vector<std::size_t> want;
      for (std::size_t e = n; e > 0; e = arg[e]) want.push_back(arg[e]);
      std::reverse(want.begin(), want.end());
      for (const std::size_t typical : {std::size_t{1}, std::size_t{1000}}) {  // scan, queue
        const auto got = rd::penalized_optimal_starts(cost, lambda, typical);
        double total = lambda * static_cast<double>(got.size()), want_total = lambda * static_cast<double>(want.size());
        for (std::size_t c = 0; c < got.size(); ++c) total += cost(got[c], (c + 1 < got.size() ? got[c + 1] : n) - 1);
        for (std::size_t c = 0; c < want.size(); ++c)
          want_total += cost(want[c], (c + 1 < want.size() ? want[c + 1] : n) - 1);
        EXPECT_NEAR(total, want_total, 1e-9 * want_total) << "lambda " << lambda << " typical " << typical;
      }
    }
  }
}
