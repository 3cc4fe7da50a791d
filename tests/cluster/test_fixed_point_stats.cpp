// Refinement statistics: exact, order-independent sums (the property the distributed k-means
// relies on), agreement with a double-precision reference, and the branch-free search.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/codebook.hpp"
#include "cluster/fixed_point_stats.hpp"
#include "cluster/nearest_lookup.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "laplace_values.hpp"

namespace rc = rapidnn::cluster;
using rapidnn::CounterRng;
using rapidnn::RngDomain;

namespace {
std::vector<float> laplace_values(std::size_t n, std::uint64_t item) {
  return rapidnn::testing::laplace_values(n, 77, item);
}
}  // namespace

TEST(NearestIndex, HandComputedAndTies) {
  const std::vector<double> c{-1.0, 0.0, 2.0};  // midpoints -0.5 and 1.0
  EXPECT_EQ(rc::nearest_index(c, -5.0), 0u);
  EXPECT_EQ(rc::nearest_index(c, -0.5), 0u);  // tie -> lower index
  EXPECT_EQ(rc::nearest_index(c, -0.49), 1u);
  EXPECT_EQ(rc::nearest_index(c, 1.0), 1u);   // tie -> lower index
  EXPECT_EQ(rc::nearest_index(c, 1.01), 2u);
  EXPECT_EQ(rc::nearest_index(c, 9.0), 2u);
  const std::vector<double> dup{1.0, 1.0, 3.0};  // equal neighbours resolve to the lower one
  EXPECT_EQ(rc::nearest_index(dup, 1.0), 0u);
  EXPECT_EQ(rc::nearest_index(dup, 1.5), 0u);
}

TEST(NearestIndex, BranchFreeSearchMatchesBinarySearch) {
  for (int k = 1; k <= 70; ++k) {
    CounterRng rng(3, RngDomain::kUser, static_cast<std::uint64_t>(k));
    std::vector<double> c(static_cast<std::size_t>(k));
    for (auto& x : c) x = std::round(rng.normal() * 8) / 4;  // duplicates on purpose
    std::sort(c.begin(), c.end());
    const auto mids = rc::centroid_midpoints(c);
    for (int t = 0; t < 300; ++t) {
      // Probe random points and exactly the midpoints (ties).
      const double x = t % 3 == 0 && !mids.empty() ? mids[rng.below(mids.size())] : rng.normal() * 3;
      const auto want = rc::nearest_index(c, x);
      ASSERT_EQ(rc::nearest_index_from_midpoints(mids, x), want) << "k " << k << " x " << x;
      // Nearest means nearest: no centroid is strictly closer.
      for (double y : c) ASSERT_LE(std::fabs(x - c[want]), std::fabs(x - y));
    }
  }
}

TEST(NearestIndex, GridLookupMatchesBinarySearch) {
  for (int k = 1; k <= 70; k += 3) {
    CounterRng rng(4, RngDomain::kUser, static_cast<std::uint64_t>(k));
    std::vector<double> c(static_cast<std::size_t>(k));
    for (auto& x : c) x = std::round(rng.laplace(1.0) * 16) / 16;  // clustered, with duplicates
    std::sort(c.begin(), c.end());
    const auto mids = rc::centroid_midpoints(c);
    // Normal range, a range narrower than the centroids, a degenerate and a huge-offset range.
    const double ranges[4][2] = {{-6, 6}, {-0.3, 0.2}, {1, 1}, {1e9, 1e9 + 1e-6}};
    for (const auto& r : ranges) {
      const rc::NearestLookup lookup(c, r[0], r[1]);
      for (int t = 0; t < 400; ++t) {
        double x = r[0] + (r[1] - r[0]) * rng.uniform();
        if (t % 4 == 0 && !mids.empty()) x = mids[rng.below(mids.size())];  // exact ties
        if (t % 7 == 0) x = rng.laplace(3.0);  // outside the range
        ASSERT_EQ(lookup(x), rc::nearest_index(c, x)) << "k " << k << " x " << x << " range " << r[0];
      }
      for (const double x : c) ASSERT_EQ(lookup(x), rc::nearest_index(c, x));
    }
  }
}

TEST(FixedPointStats, HandComputedSmallCase) {
  // Range [0, 4]: center 2. Values {0, 1} -> cluster 0 (centroid 0.5), {3, 4} -> cluster 1 (3.5).
  // Mean of {0,1} = 0.5, SS = 0.25 + 0.25 = 0.5; same for {3,4}. About y = 0: SS = 0 + 1 = 1.
  const std::vector<double> x{0, 1, 3, 4};
  const std::vector<double> c{0.5, 3.5};
  const auto s = rc::FixedPointScale::from_range(0, 4);
  const auto st = rc::cluster_stats(std::span<const double>(x), c, s);
  EXPECT_EQ(st.count(0), 2u);
  EXPECT_EQ(st.count(1), 2u);
  EXPECT_NEAR(st.mean(0, s), 0.5, 1e-9);
  EXPECT_NEAR(st.mean(1, s), 3.5, 1e-9);
  EXPECT_NEAR(st.within_ss(0, s), 0.5, 1e-9);
  EXPECT_NEAR(st.ss_about(0, 0.0, s), 1.0, 1e-9);
  const auto cb = rc::codebook_from_stats(st, c, s, 0);
  EXPECT_NEAR(cb.wcss, 1.0, 1e-9);
  EXPECT_EQ(cb.counts, (std::vector<std::uint64_t>{2, 2}));
}

TEST(FixedPointStats, ChunkedSumsInAnyOrderAreBitIdentical) {
  const auto v = laplace_values(200000, 1);
  std::vector<double> c{-3, -1.2, -0.4, -0.05, 0.1, 0.5, 1.5, 4};
  const auto range = rc::value_range(std::span<const float>(v));
  const auto s = rc::FixedPointScale::from_range(range.min, range.max);
  const auto whole = rc::cluster_stats(std::span<const float>(v), c, s);
  // Serial kernel over uneven chunks ("ranks"), summed forwards, backwards and pairwise.
  const std::vector<std::size_t> cuts{0, 1, 17, 5000, 77777, 123456, 199999, 200000};
  std::vector<rc::ClusterStats> parts;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    rc::ClusterStats p(static_cast<int>(c.size()));
    rc::accumulate_cluster_stats(std::span<const float>(v).subspan(cuts[i], cuts[i + 1] - cuts[i]), c, s, p);
    parts.push_back(p);
  }
  rc::ClusterStats fwd(8), bwd(8), pair(8);
  for (const auto& p : parts) fwd += p;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) bwd += *it;
  for (std::size_t i = 0; i < parts.size(); i += 2) {
    rc::ClusterStats two = parts[i];
    if (i + 1 < parts.size()) two += parts[i + 1];
    pair += two;
  }
  EXPECT_TRUE(fwd == whole);
  EXPECT_TRUE(bwd == whole);
  EXPECT_TRUE(pair == whole);
  EXPECT_EQ(rc::lloyd_update(fwd, c, s), rc::lloyd_update(whole, c, s));
}

TEST(FixedPointStats, AgreesWithDoubleReference) {
  const auto v = laplace_values(50000, 2);
  const std::vector<double> c{-2, -0.5, 0, 0.7, 3};
  const auto range = rc::value_range(std::span<const float>(v));
  const auto s = rc::FixedPointScale::from_range(range.min, range.max);
  const auto st = rc::cluster_stats(std::span<const float>(v), c, s);
  std::vector<long double> sum(c.size(), 0), ss(c.size(), 0);
  std::vector<std::uint64_t> cnt(c.size(), 0);
  for (float f : v) {
    const auto j = rc::nearest_index(c, f);
    ++cnt[j];
    sum[j] += f;
    ss[j] += (static_cast<long double>(f) - c[j]) * (static_cast<long double>(f) - c[j]);
  }
  // Quantisation step (max-min)/2^32 ~ 5e-9 here: means agree to ~1e-8 and SS to ~1e-7 relative.
  for (int j = 0; j < 5; ++j) {
    EXPECT_EQ(st.count(j), cnt[j]);
    EXPECT_NEAR(st.mean(j, s), static_cast<double>(sum[j] / cnt[j]), 1e-8);
    EXPECT_NEAR(st.ss_about(j, c[j], s), static_cast<double>(ss[j]), 1e-7 * static_cast<double>(ss[j]));
  }
}

TEST(FixedPointStats, WordsFitInt64ForExtremeValues) {
  // All values at the range ends: |q| = 2^31 - 2, q^2 < 2^62; words stay far from overflow.
  const std::vector<double> x(1000, 1e6), y(1000, -1e6);
  const auto s = rc::FixedPointScale::from_range(-1e6, 1e6);
  rc::ClusterStats st(1);
  const std::vector<double> c{0.0};
  rc::accumulate_cluster_stats(std::span<const double>(x), c, s, st);
  rc::accumulate_cluster_stats(std::span<const double>(y), c, s, st);
  EXPECT_EQ(st.sum_q(0), 0);
  EXPECT_NEAR(st.ss_about(0, 0.0, s), 2000 * 1e12, 1e-6 * 2000 * 1e12);
}

TEST(FixedPointStats, ValueRangeBadInput) {
  const std::vector<float> bad{0.0f, 1.0f, INFINITY};
  try {
    rc::value_range(std::span<const float>(bad));
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "value_range: value at index 2 is not finite (inf)");
  }
  std::vector<double> big(100000, 1.5);
  big[88888] = -INFINITY;
  big[77777] = NAN;  // the lowest bad index is reported, whatever the chunking
  big[3] = -7;
  try {
    rc::value_range(std::span<const double>(big));
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "value_range: value at index 77777 is not finite (nan)");
  }
  big[77777] = 2;
  big[88888] = 9;
  const auto r = rc::value_range(std::span<const double>(big));
  EXPECT_EQ(r.min, -7.0);
  EXPECT_EQ(r.max, 9.0);
  try {
    rc::value_range(std::span<const float>());
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "value_range: empty input (0 values)");
  }
}
