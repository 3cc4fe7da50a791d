#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.hpp"

using rapidnn::CounterRng;

// Known-answer vector from Random123's kat_vectors (philox4x32, 10 rounds, ctr = key = 0).
TEST(CounterRng, MatchesPhiloxKnownAnswer) {
  CounterRng rng(0, 0u, 0);
  EXPECT_EQ(rng.next_u32(), 0x6627e8d5u);
  EXPECT_EQ(rng.next_u32(), 0xe169c58du);
  EXPECT_EQ(rng.next_u32(), 0xbc57ac4cu);
  EXPECT_EQ(rng.next_u32(), 0x9b00dbd8u);
}

TEST(CounterRng, StreamDependsOnSeedDomainAndItemOnly) {
  CounterRng a(42, rapidnn::RngDomain::kSampling, 7), b(42, rapidnn::RngDomain::kSampling, 7);
  CounterRng c(42, rapidnn::RngDomain::kSampling, 8), d(43, rapidnn::RngDomain::kSampling, 7);
  CounterRng e(42, rapidnn::RngDomain::kShuffle, 7);
  std::vector<std::uint64_t> va, vb, vc, vd, ve;
  for (int i = 0; i < 16; ++i) {
    va.push_back(a.next_u64()); vb.push_back(b.next_u64()); vc.push_back(c.next_u64());
    vd.push_back(d.next_u64()); ve.push_back(e.next_u64());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  EXPECT_NE(va, vd);
  EXPECT_NE(va, ve);
}

TEST(CounterRng, DistributionsHaveExpectedMoments) {
  CounterRng rng(1, rapidnn::RngDomain::kUser, 0);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0, sl = 0, sl32 = 0, sl32_signed = 0;
  int below_median = 0;
  std::vector<int> hist(10, 0);
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    const double z = rng.normal();
    sn += z;
    sn2 += z * z;
    sl += std::fabs(rng.laplace(2.0));
    const double x = rng.laplace32(2.0);
    sl32 += std::fabs(x);
    sl32_signed += x;
    below_median += std::fabs(x) < 2.0 * std::log(2.0) ? 1 : 0;  // median of |Laplace(b)| = b ln 2
    ++hist[rng.below(10)];
  }
  // Standard errors: uniform mean 0.00065, normal mean 0.0022, |Laplace(b=2)| mean 0.0045.
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.015);
  EXPECT_NEAR(sn2 / n, 1.0, 0.02);
  EXPECT_NEAR(sl / n, 2.0, 0.03);
  EXPECT_NEAR(sl32 / n, 2.0, 0.03);
  EXPECT_NEAR(sl32_signed / n, 0.0, 0.04);  // symmetric: sd of the mean = sqrt(2) b / sqrt(n) = 0.0063
  EXPECT_NEAR(below_median, n / 2, 1200);  // binomial sd = 224
  for (int h : hist) EXPECT_NEAR(h, n / 10, 600);
}
