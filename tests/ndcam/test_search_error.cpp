// The measured search-error distribution as a sampler: inverse CDF on hand-made counts, clamping
// at the table ends, frequencies of many draws, fixed-point tables, and the table measurement
// merging exactly over trial ranges (what the accuracy driver relies on for rank independence).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/error.hpp"
#include "ndcam/search_error.hpp"
#include "ndcam/workload.hpp"
#include "error_message.hpp"

using namespace rapidnn;
using namespace rapidnn::ndcam;
using rapidnn::testing::error_message;

namespace {
std::vector<std::uint64_t> hist_of(std::initializer_list<std::pair<std::int64_t, std::uint64_t>> counts) {
  std::vector<std::uint64_t> h(TrialStats::kRankOffsetBins, 0);
  for (auto [offset, n] : counts) h[static_cast<std::size_t>(TrialStats::rank_offset_bin(offset))] += n;
  return h;
}

}  // namespace

TEST(SearchError, BinOffsetsInvertTheHistogramBinning) {
  for (std::int64_t k = -TrialStats::kRankOffsetMax; k <= TrialStats::kRankOffsetMax; ++k)
    EXPECT_EQ(rank_offset_of_bin(TrialStats::rank_offset_bin(k)), k);
  EXPECT_EQ(rank_offset_of_bin(TrialStats::rank_offset_bin(-100)), -33);
  EXPECT_EQ(rank_offset_of_bin(TrialStats::rank_offset_bin(100)), 33);
}

TEST(SearchError, InverseCdfOnHandMadeCounts) {
  // 10 searches: 1 at -2, 6 exact, 3 at +1. Bins run from the most negative offset up, so the
  // draws 0 | 1..6 | 7..9 map to -2 | 0 | +1.
  const SearchErrorModel m(hist_of({{-2, 1}, {0, 6}, {1, 3}}));
  EXPECT_EQ(m.trials(), 10u);
  EXPECT_DOUBLE_EQ(m.error_rate(), 0.4);
  EXPECT_FALSE(m.error_free());
  EXPECT_EQ(m.offset_for(0), -2);
  for (std::uint64_t r = 1; r <= 6; ++r) EXPECT_EQ(m.offset_for(r), 0) << r;
  for (std::uint64_t r = 7; r <= 9; ++r) EXPECT_EQ(m.offset_for(r), 1) << r;
  EXPECT_NE(error_message([&] { m.offset_for(10); }).find("draw 10 outside [0, 10)"), std::string::npos);
}

TEST(SearchError, ReturnedRowIsClampedToTheTable) {
  const SearchErrorModel up(hist_of({{1, 5}}));   // always the next row up
  const SearchErrorModel far(hist_of({{-40, 5}}));  // "below -32": -33, then clamped
  CounterRng rng(1, RngDomain::kSearchError, 0);
  EXPECT_EQ(up.returned_row(3, 16, rng), 4);
  EXPECT_EQ(up.returned_row(15, 16, rng), 15);
  EXPECT_EQ(far.returned_row(40, 64, rng), 7);
  EXPECT_EQ(far.returned_row(10, 64, rng), 0);
  const SearchErrorModel none;  // default: error-free
  EXPECT_TRUE(none.error_free());
  EXPECT_EQ(none.returned_row(5, 8, rng), 5);
}

TEST(SearchError, DrawFrequenciesFollowTheCounts) {
  const SearchErrorModel m(hist_of({{-1, 200}, {0, 700}, {2, 100}}));
  std::map<std::int64_t, int> seen;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    CounterRng rng(9, RngDomain::kSearchError, static_cast<std::uint64_t>(i));
    ++seen[m.sample(rng)];
  }
  EXPECT_EQ(seen.size(), 3u);
  // Binomial standard deviations at n = 20000: sqrt(n p (1-p)) = 57, 65, 42; allow 5 of them.
  EXPECT_NEAR(seen[-1], 4000, 5 * 57);
  EXPECT_NEAR(seen[0], 14000, 5 * 65);
  EXPECT_NEAR(seen[2], 2000, 5 * 42);
}

TEST(SearchError, BadHistogramsAreRejected) {
  EXPECT_NE(error_message([] { SearchErrorModel(std::vector<std::uint64_t>(5, 1)); }).find("has 67 bins, got 5"),
            std::string::npos);
  EXPECT_NE(error_message([] { SearchErrorModel(std::vector<std::uint64_t>(67, 0)); }).find("without any search"),
            std::string::npos);
}

TEST(SearchError, FixedPointKeepsOrderAndEnds) {
  // 2 bits: -1 -> 0, 0 -> 1.5 rounds to 2, 1 -> 3.
  const std::vector<float> v{-1.0f, 0.0f, 1.0f};
  EXPECT_EQ(to_fixed_point(v, 2), (std::vector<std::uint32_t>{0, 2, 3}));
  const std::vector<float> w{0.0f, 0.25f, 1.0f};
  EXPECT_EQ(to_fixed_point(w, 32), (std::vector<std::uint32_t>{0, 1073741824u, 4294967295u}));
  const std::vector<float> bad{0.0f, 2.0f, 1.0f};
  EXPECT_NE(error_message([&] { to_fixed_point(bad, 8); }).find("ascending, value 2 (1) < value 1 (2)"),
            std::string::npos);
  const std::vector<float> one{1.0f};
  EXPECT_NE(error_message([&] { to_fixed_point(one, 8); }).find("at least 2 values, got 1"), std::string::npos);
}

TEST(SearchError, TableMeasurementMergesOverTrialRanges) {
  const std::vector<float> codebook{-2.0f, -0.5f, 0.0f, 0.1f, 0.4f, 1.0f, 1.5f, 3.0f};
  TableSearchSpec spec;
  spec.table = to_fixed_point(codebook, 32);
  spec.params.sigma_w = spec.params.sigma_vth = 0.1;
  spec.seed = 5;
  spec.stream = 2;
  const TrialStats whole = measure_table_search(spec, 0, 300);
  TrialStats parts = measure_table_search(spec, 0, 111);
  parts.merge(measure_table_search(spec, 111, 300));
  EXPECT_EQ(whole, parts);
  EXPECT_EQ(whole.trials, 300u);
  // Every search is counted once in the rank-offset histogram, errors off the 0 bin.
  const SearchErrorModel m(whole.rank_offset_hist);
  EXPECT_EQ(m.trials(), 300u);
  EXPECT_DOUBLE_EQ(m.error_rate(), 1.0 - static_cast<double>(whole.correct) / 300.0);
  // 10% variation on an 8-row table: some errors, far from all (README: 8-bit stages err in
  // roughly 40-60% of searches at sigma = 10%).
  EXPECT_GT(m.error_rate(), 0.05);
  EXPECT_LT(m.error_rate(), 0.95);
}

TEST(SearchError, FixedPointMapClampsQueriesToTheTableRange) {
  const std::vector<float> t{-1.0f, 1.0f};
  const FixedPointMap map = fixed_point_map(t, 8);
  EXPECT_EQ(map(-1.0f), 0u);
  EXPECT_EQ(map(1.0f), 255u);
  EXPECT_EQ(map(0.0f), 128u);  // 127.5 rounds up
  EXPECT_EQ(map(-7.0f), 0u);   // below the table: its minimum
  EXPECT_EQ(map(3.0f), 255u);
}

TEST(SearchError, QueriesComeFromTheGivenList) {
  TableSearchSpec spec;
  spec.table = {0u, 1000u, 70000u, 4000000000u};
  spec.queries = {5u, 69000u};
  spec.params.sigma_w = spec.params.sigma_vth = 0.0;
  spec.params.sense_resolution_s = 0.0;
  // sigma 0, perfect SA: the min-XOR row. 5 -> row 0 (0 differs in the fewest high bits);
  // 69000 = 0x10D88 vs 70000 = 0x11170: same top 15 bits of 17 -> row 2: both exact.
  const auto h = measure_row_search(spec, 0, 400);
  const auto bins = static_cast<std::size_t>(TrialStats::kRankOffsetBins);
  const auto zero = static_cast<std::size_t>(TrialStats::rank_offset_bin(0));
  std::uint64_t row0 = 0, row2 = 0, other = 0;
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t b = 0; b < bins; ++b) {
      const auto n = h[r * bins + b];
      if (r == 0 && b == zero) row0 += n;
      else if (r == 2 && b == zero) row2 += n;
      else other += n;
    }
  EXPECT_EQ(other, 0u);
  EXPECT_EQ(row0 + row2, 400u);
  EXPECT_NEAR(static_cast<double>(row0), 200.0, 5 * 10.0);  // binomial(400, 1/2): sd 10
  // A query list without a codebook workload is rejected.
  WorkloadSpec w;
  w.queries = {1u};
  EXPECT_NE(error_message([&] { w.validate(); }).find("a query list needs a codebook workload, got uniform"),
            std::string::npos);
}

TEST(SearchError, RowHistogramsSumToThePooledOne) {
  const std::vector<float> codebook{-2.0f, -0.5f, 0.0f, 0.1f, 0.4f, 1.0f, 1.5f, 3.0f};
  TableSearchSpec spec;
  spec.table = to_fixed_point(codebook, 32);
  spec.params.sigma_w = spec.params.sigma_vth = 0.1;
  spec.seed = 6;
  const auto rows = measure_row_search(spec, 0, 250);
  const TrialStats pooled = measure_table_search(spec, 0, 250);
  const auto bins = static_cast<std::size_t>(TrialStats::kRankOffsetBins);
  for (std::size_t b = 0; b < bins; ++b) {
    std::uint64_t sum = 0;
    for (std::size_t r = 0; r < codebook.size(); ++r) sum += rows[r * bins + b];
    EXPECT_EQ(sum, pooled.rank_offset_hist[b]) << b;
  }
  // Ranges merge: [0, 100) + [100, 250) = [0, 250).
  auto a = measure_row_search(spec, 0, 100);
  const auto c = measure_row_search(spec, 100, 250);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += c[i];
  EXPECT_EQ(a, rows);
}

TEST(SearchError, TableErrorsUseTheRowModelOrThePooledOne) {
  const auto bins = static_cast<std::size_t>(TrialStats::kRankOffsetBins);
  std::vector<std::uint64_t> h(3 * bins, 0);
  h[0 * bins + static_cast<std::size_t>(TrialStats::rank_offset_bin(1))] = 4;   // row 0: always +1
  h[2 * bins + static_cast<std::size_t>(TrialStats::rank_offset_bin(-1))] = 4;  // row 2: always -1
  const TableSearchErrors t(h, 3);
  EXPECT_FALSE(t.error_free());
  EXPECT_EQ(t.for_row(0).offset_for(0), 1);
  EXPECT_EQ(t.for_row(2).offset_for(3), -1);
  // Row 1 was never the nearest row: the pooled model (half +1, half -1).
  EXPECT_EQ(&t.for_row(1), &t.pooled());
  EXPECT_EQ(t.pooled().trials(), 8u);
  CounterRng rng(3, RngDomain::kSearchError, 1);
  EXPECT_EQ(t.returned_row(0, 3, rng), 1);
  EXPECT_EQ(t.returned_row(2, 3, rng), 1);
  EXPECT_NE(error_message([&] { TableSearchErrors(std::span<const std::uint64_t>(h.data(), 10), 3); })
                .find("row histograms of 3 rows need 201 counts, got 10"),
            std::string::npos);
}
