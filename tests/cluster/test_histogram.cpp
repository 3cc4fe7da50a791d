// The fine fixed-point histogram: its bin map by hand, the packed-word accumulation against a
// serial scalar reference (on bin edges, range ends and across flushes), order independence,
// the optional per-bin extrema, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "cluster/binned_tree.hpp"
#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "error_message.hpp"
#include "laplace_values.hpp"

namespace rc = rapidnn::cluster;
using rapidnn::testing::error_message;

namespace {
std::vector<float> laplace_values(std::size_t n, std::uint64_t item) {
  return rapidnn::testing::laplace_values(n, 77, item);
}

__extension__ using u128 = unsigned __int128;

/// Every screen of values_in_bins (one the CPU lacks runs its fallback, which must agree too).
constexpr rc::BinScreen kScreens[] = {rc::BinScreen::kFastest, rc::BinScreen::kNone, rc::BinScreen::kFineCells,
                                      rc::BinScreen::kTwoLevelCells};

/// Serial scalar reference: bin by bin_of, sum by quantize, one value at a time.
struct Reference {
  std::vector<std::uint64_t> counts;
  std::vector<std::int64_t> sums_q;
  std::vector<float> mins, maxs;
  u128 q2 = 0;
};
Reference reference(const std::vector<float>& v, const rc::Histogram1D& like) {
  Reference ref{std::vector<std::uint64_t>(static_cast<std::size_t>(like.bins), 0),
                std::vector<std::int64_t>(static_cast<std::size_t>(like.bins), 0),
                std::vector<float>(static_cast<std::size_t>(like.bins), INFINITY),
                std::vector<float>(static_cast<std::size_t>(like.bins), -INFINITY), 0};
  for (const float f : v) {
    const auto b = static_cast<std::size_t>(like.bin_of(f));
    const std::int64_t q = like.scale.quantize(f);
    ++ref.counts[b];
    ref.sums_q[b] += q;
    ref.mins[b] = std::min(ref.mins[b], f);
    ref.maxs[b] = std::max(ref.maxs[b], f);
    ref.q2 += static_cast<u128>(q * q);
  }
  return ref;
}

void expect_equal(const rc::Histogram1D& h, const Reference& ref) {
  EXPECT_EQ(h.counts, ref.counts);
  EXPECT_EQ(h.sums_q, ref.sums_q);
  EXPECT_TRUE(h.total_q2() == ref.q2);
  if (h.has_extrema()) {
    EXPECT_EQ(h.mins, ref.mins);
    EXPECT_EQ(h.maxs, ref.maxs);
  }
}
}  // namespace

TEST(Histogram, BinMapByHand) {
  // [-1, 1], 4 bins: scale = (2^31 - 2) / 1, u = q + 2^31 - 1, bin = (4 u) >> 32 = u >> 30.
  auto h = rc::make_histogram(-1.0, 1.0, 4, rc::BinExtrema::kSkip);
  EXPECT_EQ(h.bin_of(-1.0), 0);    // q = -(2^31 - 2): u = 1
  EXPECT_EQ(h.bin_of(-0.5 - 1e-9), 0);  // q = -(2^30 - 1) - 2: u = 2^30 - 2
  EXPECT_EQ(h.bin_of(-0.5), 1);    // q = -(2^30 - 1): u = 2^30, the first u of bin 1
  EXPECT_EQ(h.bin_of(0.0), 1);     // q = 0: u = 2^31 - 1, just below 2^31
  EXPECT_EQ(h.bin_of(1e-9), 2);    // q = round(2.147...) = 2: u = 2^31 + 1
  EXPECT_EQ(h.bin_of(0.5), 2);     // q = 2^30 - 1: u = 3 * 2^30 - 2
  EXPECT_EQ(h.bin_of(0.5 + 1e-9), 3);  // q = round(2^30 - 1 + 2.147...) = 2^30 + 1: u = 3 * 2^30
  EXPECT_EQ(h.bin_of(1.0), 3);     // q = 2^31 - 2: u = 2^32 - 3
  EXPECT_EQ(h.bin_of(5.0), 3);     // outside the range: q clamps to 2^31 - 1
  const std::vector<float> v{-1.0f, 0.0f, 0.5f, 1.0f, 1.0f};
  rc::accumulate_histogram(std::span<const float>(v), h);
  EXPECT_EQ(h.counts, (std::vector<std::uint64_t>{1, 1, 1, 2}));
  EXPECT_EQ(h.sums_q, (std::vector<std::int64_t>{-2147483646, 0, 1073741823, 2 * 2147483646LL}));
  // q^2 total: (2^31 - 2)^2 * 3 + (2^30 - 1)^2.
  const u128 m = 2147483646, hq = 1073741823;
  EXPECT_TRUE(h.total_q2() == m * m * 3 + hq * hq);
  EXPECT_FALSE(h.has_extrema());
}

TEST(Histogram, ExactAndOrderIndependent) {
  const auto v = laplace_values(100000, 3);
  const auto r = rc::value_range(std::span<const float>(v));
  auto h = rc::make_histogram(r.min, r.max, 1000, rc::BinExtrema::kKeep);
  rc::accumulate_histogram(std::span<const float>(v), h);
  expect_equal(h, reference(v, h));
  EXPECT_EQ(h.total_count(), v.size());
  // Without extrema: the same counts and sums, no min/max.
  auto lean = rc::make_histogram(r.min, r.max, 1000, rc::BinExtrema::kSkip);
  rc::accumulate_histogram(std::span<const float>(v), lean);
  EXPECT_EQ(lean.counts, h.counts);
  EXPECT_EQ(lean.sums_q, h.sums_q);
  EXPECT_TRUE(lean.mins.empty() && lean.maxs.empty());
  // values_in_bins: exactly the values whose bin is flagged (every third bin here).
  std::vector<std::uint8_t> flags(1000, 0);
  for (std::size_t b = 0; b < flags.size(); b += 3) flags[b] = 1;
  auto got = rc::values_in_bins(std::span<const float>(v), h, flags);
  std::vector<float> want;
  for (float f : v)
    if (flags[static_cast<std::size_t>(h.bin_of(f))] != 0) want.push_back(f);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Two halves added in either order.
  auto a = rc::make_histogram(r.min, r.max, 1000, rc::BinExtrema::kKeep), b = a;
  rc::accumulate_histogram(std::span<const float>(v).first(40000), a);
  rc::accumulate_histogram(std::span<const float>(v).subspan(40000), b);
  auto ab = a, ba = b;
  ab += b;
  ba += a;
  EXPECT_EQ(ab.counts, h.counts);
  EXPECT_EQ(ab.sums_q, h.sums_q);
  EXPECT_EQ(ba.sums_q, h.sums_q);
  EXPECT_EQ(ba.mins, h.mins);
  EXPECT_EQ(ab.maxs, h.maxs);
  EXPECT_TRUE(ab.total_q2() == h.total_q2());
  std::vector<double> pts, w;
  h.weighted_points(pts, w);
  EXPECT_TRUE(std::is_sorted(pts.begin(), pts.end()));
  EXPECT_EQ(std::adjacent_find(pts.begin(), pts.end()), pts.end());
  double total = 0;
  for (double x : w) total += x;
  EXPECT_EQ(total, 100000.0);
}

TEST(Histogram, VectorisedBinningMatchesTheScalarMapOnBinEdges) {
  // Values on and one float step around the x of every bin edge (the first q of each bin) of
  // [-1, 3] with 997 bins (an awkward width), plus the range ends: the block kernels (AVX2 where
  // available) must bin and quantise exactly as the scalar map and quantize do.
  const double lo = -1, hi = 3;
  const int bins = 997;
  auto h = rc::make_histogram(lo, hi, bins, rc::BinExtrema::kKeep);
  std::vector<float> v = {static_cast<float>(lo), static_cast<float>(hi)};
  for (int b = 0; b <= bins; ++b) {
    // Smallest u of bin b: ceil(b 2^32 / bins); its q and x.
    const auto u = static_cast<std::int64_t>(((static_cast<u128>(b) << 32) + bins - 1) / bins);
    const double x = h.scale.center + static_cast<double>(u - rc::BinMap::kQOffset) / h.scale.scale;
    const auto e = static_cast<float>(x);
    for (float y : {std::nextafter(e, -10.0f), e, std::nextafter(e, 10.0f)})
      if (y >= lo && y <= hi) v.push_back(y);
  }
  rc::accumulate_histogram(std::span<const float>(v), h);
  expect_equal(h, reference(v, h));
  std::vector<std::int32_t> got(v.size()), got2(v.size()), q(v.size());
  rc::bins_of(std::span<const float>(v), h.map(), got.data());
  rc::bins_and_q_of(std::span<const float>(v), h.map(), got2.data(), q.data());
  for (std::size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(got[i], h.bin_of(v[i])) << "value " << v[i];
    ASSERT_EQ(got2[i], got[i]) << "value " << v[i];
    ASSERT_EQ(q[i], h.scale.quantize(v[i])) << "value " << v[i];
  }
}

TEST(Histogram, ValuesInBinsMatchesTheExactBinsWithSparseFlags) {
  // values_in_bins first filters by float-arithmetic cells (conservative by an error bound that
  // grows with |range ends| / width), then bins exactly. Sparse flags (every 7th bin and its right
  // neighbour) on values at and one float step around every bin edge, for a range around zero, an
  // offset range (a wider bound, still filtered) and one far from zero (no filter): the result must
  // be exactly the values whose exact bin is flagged.
  struct Case {
    double lo, hi;
    int bins;
  };
  for (const Case& c : {Case{-1, 3, 997}, Case{-0.13, 0.12, 65536}, Case{100, 101, 4096}, Case{1e5, 1e5 + 1, 512}}) {
    auto h = rc::make_histogram(c.lo, c.hi, c.bins, rc::BinExtrema::kSkip);
    std::vector<float> v;
    for (int b = 0; b <= c.bins; ++b) {
      const auto u = static_cast<std::int64_t>(((static_cast<u128>(b) << 32) + c.bins - 1) / c.bins);
      const auto e = static_cast<float>(h.scale.center + static_cast<double>(u - rc::BinMap::kQOffset) / h.scale.scale);
      for (float y : {std::nextafter(e, -1e9f), e, std::nextafter(e, 1e9f)})
        if (y >= c.lo && y <= c.hi) v.push_back(y);
    }
    std::vector<std::uint8_t> flags(static_cast<std::size_t>(c.bins), 0);
    for (std::size_t b = 0; b < flags.size(); b += 7) {
      flags[b] = 1;
      if (b + 1 < flags.size()) flags[b + 1] = 1;
    }
    std::vector<float> want;
    for (const float f : v)
      if (flags[static_cast<std::size_t>(h.bin_of(f))] != 0) want.push_back(f);
    std::sort(want.begin(), want.end());
    EXPECT_GT(want.size(), v.size() / 5);  // about 2 / 7 of the edges' values
    for (const auto screen : kScreens) {
      auto got = rc::values_in_bins(std::span<const float>(v), h, flags, screen);
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, want) << "range [" << c.lo << ", " << c.hi << "], " << c.bins << " bins, screen "
                           << static_cast<int>(screen);
    }
  }
}

TEST(Histogram, EveryBinScreenReturnsTheValuesOfTheFlaggedBins) {
  // The screens of values_in_bins on the flags binned_refine asks for: the bin of each of k - 1
  // midpoints and its neighbours, for 1M Laplace values and 65,536 bins, k = 64 (the fc6 case: the
  // two-level screen's coarse cells are 128 fine cells wide), 5,000 bins, k = 64 (coarse cells 16
  // fine cells wide) and 500 bins, k = 8 (2,000 fine cells: the two screens' cells coincide), plus
  // a flagged first and last bin (the clamped cells) and block tails (a length not a multiple of 16).
  const auto v = laplace_values(1'000'003, 11);
  const auto r = rc::value_range(std::span<const float>(v));
  struct Case {
    int bins, k;
  };
  for (const auto [bins, k] : {Case{65536, 64}, Case{5000, 64}, Case{500, 8}}) {
    auto h = rc::make_histogram(r.min, r.max, bins, rc::BinExtrema::kSkip);
    rc::accumulate_histogram(std::span<const float>(v), h);
    std::vector<std::uint8_t> flags(static_cast<std::size_t>(bins), 0);
    flags.front() = flags.back() = 1;
    for (int j = 1; j < k; ++j) {
      // Midpoints at the 1/k quantiles of a Laplace(0, 1): denser near 0, like k-means boundaries.
      const double p = static_cast<double>(j) / k;
      const double x = p < 0.5 ? std::log(2 * p) : -std::log(2 * (1 - p));
      const int b = h.bin_of(std::clamp(x, r.min, r.max));
      for (int d = std::max(0, b - 1); d <= std::min(bins - 1, b + 1); ++d) flags[static_cast<std::size_t>(d)] = 1;
    }
    std::vector<float> want;
    for (const float f : v)
      if (flags[static_cast<std::size_t>(h.bin_of(f))] != 0) want.push_back(f);
    std::sort(want.begin(), want.end());
    ASSERT_GT(want.size(), 100u);
    ASSERT_LT(want.size(), v.size() / 2);
    for (const auto screen : kScreens) {
      auto got = rc::values_in_bins(std::span<const float>(v), h, flags, screen);
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, want) << bins << " bins, screen " << static_cast<int>(screen);
    }
  }
  std::printf("bin screens this CPU runs: fine cells %s, two-level cells %s\n",
              rc::bin_screen_available(rc::BinScreen::kFineCells) ? "yes" : "no",
              rc::bin_screen_available(rc::BinScreen::kTwoLevelCells) ? "yes" : "no");
}

TEST(Histogram, PackedWordsStayExactAcrossFlushes) {
  // Bin counts whose words flush often: 1 bin (offsets up to 2^32: a word holds 32,767 values)
  // and 3 bins (width 1,431,655,765, remainder 1), both on the scalar kernel; 16 bins (29-bit
  // offsets, the widest the vector kernel takes: a word holds 131,071 values) and 17 bins (not a
  // power of two: the vector kernel's multiply path; 262,143 values a word), so the vector kernel's
  // words are flushed too. 280,000 of the 400,000 values sit at the range's top, where the
  // offsets are largest (u = 2^32 - 2): more than a word of 16 or 17 bins can count without a
  // flush; 40,000 at its bottom. Also 2^20 bins (offsets below 2^12, a word holds 2^25 - 1
  // values: no flush before the end). The reference sums q one value at a time.
  // One thread, so that a single word sees all of them (each thread keeps its own words).
  const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  auto v = laplace_values(400000, 5);
  const auto r = rc::value_range(std::span<const float>(v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i % 10 < 7) v[i] = static_cast<float>(r.max);
    if (i % 10 == 7) v[i] = static_cast<float>(r.min);
  }
  for (const int bins : {1, 3, 16, 17, 1 << 20}) {
    SCOPED_TRACE("bins " + std::to_string(bins));
    auto h = rc::make_histogram(r.min, r.max, bins, rc::BinExtrema::kSkip);
    rc::accumulate_histogram(std::span<const float>(v), h);
    expect_equal(h, reference(v, h));
    EXPECT_EQ(h.total_count(), v.size());
  }
  // Double input takes the scalar kernel: the same integers as the float input.
  const std::vector<double> d(v.begin(), v.end());
  auto hf = rc::make_histogram(r.min, r.max, 3, rc::BinExtrema::kSkip), hd = hf;
  rc::accumulate_histogram(std::span<const float>(v), hf);
  rc::accumulate_histogram(std::span<const double>(d), hd);
  EXPECT_EQ(hf.counts, hd.counts);
  EXPECT_EQ(hf.sums_q, hd.sums_q);
  EXPECT_TRUE(hf.total_q2() == hd.total_q2());
}

TEST(Histogram, BadInput) {
  EXPECT_EQ(error_message([] { rc::make_histogram(0, 1, 0, rc::BinExtrema::kSkip); }),
            "make_histogram: bins must be in [1, 16777216], got 0");
  EXPECT_EQ(error_message([] { rc::make_histogram(0, 1, rc::kMaxHistogramBins + 1, rc::BinExtrema::kSkip); }),
            "make_histogram: bins must be in [1, 16777216], got 16777217");
  // A tree needs the per-bin extrema.
  const auto v = laplace_values(1000, 9);
  const auto r = rc::value_range(std::span<const float>(v));
  auto h = rc::make_histogram(r.min, r.max, 64, rc::BinExtrema::kSkip);
  rc::accumulate_histogram(std::span<const float>(v), h);
  EXPECT_EQ(error_message([&] { rc::binned_tree(v, h, 2, rc::ShardReductions::identity()); }),
            "binned_tree: the histogram has no per-bin min/max; build it with BinExtrema::kKeep");
}
