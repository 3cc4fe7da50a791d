#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "ndcam/calibration.hpp"
#include "ndcam/monte_carlo.hpp"
#include "ndcam/nearest.hpp"

using namespace rapidnn::ndcam;

namespace {
TrialSpec uniform_spec(double sigma, int rows = 64, int bits = 8) {
  TrialSpec s;
  s.workload.rows = rows;
  s.workload.value_bits = 32;
  s.params.sigma_w = sigma;
  s.params.sigma_vth = sigma;
  s.bits_per_stage = bits;
  s.seed = 77;
  s.stream = 3;
  return s;
}
}  // namespace

TEST(TrialRunner, TrialDependsOnlyOnSeedStreamAndIndex) {
  TrialRunner a(uniform_spec(0.1)), b(uniform_spec(0.1));
  const TrialOutcome x = a.run(17);
  b.run(3);  // a different trial in between must not matter
  const TrialOutcome y = b.run(17);
  EXPECT_EQ(a.table(), b.table());
  EXPECT_EQ(a.query(), b.query());
  EXPECT_EQ(x.excess_lsb, y.excess_lsb);
  EXPECT_EQ(x.latency_s, y.latency_s);
  // Common random numbers: another sigma or stage width searches the same table and query.
  TrialRunner c(uniform_spec(0.0, 64, 4));
  c.run(17);
  EXPECT_EQ(c.table(), a.table());
  EXPECT_EQ(c.query(), a.query());
}

TEST(TrialRunner, OutcomeIsConsistentWithReferences) {
  TrialRunner r(uniform_spec(0.0));
  for (std::uint32_t t = 0; t < 300; ++t) {
    const TrialOutcome o = r.run(t);
    const std::uint64_t d = nearest_absolute_distance(r.table(), r.query());
    // sigma = 0: the varied circuit is the ideal one.
    EXPECT_EQ(o.correct, o.ideal_correct);
    EXPECT_TRUE(o.agrees_with_ideal);
    EXPECT_EQ(o.correct, o.excess_lsb == 0);
    EXPECT_EQ(o.correct, o.rank_offset == 0);
    // The nominal 8-bit-stage circuit (1 ps resolution) returns the min-XOR row unless two
    // lines are within 1 ps; its excess is measured against the brute-force nearest distance.
    const std::uint32_t xr = min_xor_row(r.table(), r.query());
    const std::uint64_t xor_excess = abs_distance(r.table()[xr], r.query()) - d;
    EXPECT_EQ(o.min_xor_correct, xor_excess == 0);
  }
}

TEST(TrialRunner, MoreVariationMeansFewerCorrectSearches) {
  // Fixed workload (same tables, queries and deviates for every sigma): 4x4 max pooling with a
  // perfect sense amplifier, where the nominal circuit is always right (see the next test), so
  // every error is a variation error and their number must grow with sigma.
  double last_rate = 1.0 + 1e-9;
  for (double sigma : {0.0, 0.05, 0.1, 0.2}) {
    TrialSpec s = uniform_spec(sigma, 16);
    s.workload.max_query = true;
    s.params.sense_resolution_s = 0.0;
    const TrialStats st = TrialRunner(s).run_range(0, 400);
    EXPECT_LT(st.rate(st.correct), last_rate) << sigma;
    EXPECT_EQ(st.variation_errors, st.trials - st.correct) << sigma;
    last_rate = st.rate(st.correct);
  }
  // On uniform random queries (64 rows, 1 ps resolution) agreement with the nominal circuit
  // falls with sigma. (The correct rate need not: variation can undo a nominal min-XOR or
  // resolution error by chance; variation_fixes counts those.)
  double last_agree = 1.0 + 1e-9;
  for (double sigma : {0.0, 0.05, 0.1, 0.2}) {
    const TrialStats st = TrialRunner(uniform_spec(sigma)).run_range(0, 400);
    EXPECT_LT(st.rate(st.agrees_with_ideal), last_agree) << sigma;
    last_agree = st.rate(st.agrees_with_ideal);
    // The nominal circuit's rate does not depend on sigma (paired workload).
    EXPECT_EQ(st.ideal_correct, TrialRunner(uniform_spec(0.0)).run_range(0, 400).ideal_correct);
  }
}

TEST(TrialRunner, MaxPoolingIsExactWithoutVariation) {
  // Query = all ones: min XOR = max value, so the nominal NDCAM with a perfect sense amplifier
  // implements max pooling exactly. With the default 1 ps resolution, top bytes whose lines
  // discharge less than 1 ps apart tie and the lower bytes decide: some searches go wrong.
  TrialSpec s = uniform_spec(0.0, 16);
  s.workload.max_query = true;
  s.params.sense_resolution_s = 0.0;
  const TrialStats exact = TrialRunner(s).run_range(0, 500);
  EXPECT_EQ(exact.correct, 500u);
  EXPECT_EQ(exact.min_xor_correct, 500u);
  s.params.sense_resolution_s = 1e-12;
  const TrialStats coarse = TrialRunner(s).run_range(0, 500);
  EXPECT_LT(coarse.correct, 500u);
  EXPECT_EQ(coarse.min_xor_correct, 500u);
}

TEST(TrialStats, SplitRangesMergeToTheWholeExactly) {
  TrialRunner r(uniform_spec(0.1, 32));
  const TrialStats whole = r.run_range(0, 120);
  TrialStats parts = r.run_range(0, 37);
  parts.merge(r.run_range(37, 90));
  parts.merge(r.run_range(90, 120));
  EXPECT_TRUE(parts == whole);
  TrialStats via_counters;
  via_counters.set_additive_counters(whole.additive_counters());
  via_counters.set_max_counters(whole.max_counters());
  EXPECT_TRUE(via_counters == whole);
}

TEST(TrialStats, Bins) {
  EXPECT_EQ(TrialStats::error_bin(0), 0);
  EXPECT_EQ(TrialStats::error_bin(1), 1);
  EXPECT_EQ(TrialStats::error_bin(3), 2);      // [2, 4)
  EXPECT_EQ(TrialStats::error_bin(1u << 31), 32);
  EXPECT_EQ(TrialStats::rank_offset_bin(0), TrialStats::kRankOffsetMax);
  EXPECT_EQ(TrialStats::rank_offset_bin(-100), TrialStats::kRankOffsetBins - 2);
  EXPECT_EQ(TrialStats::margin_bin(0.0), 0);
  EXPECT_EQ(TrialStats::margin_bin(1.0), 1 + 60);  // log10 = 0 is 6 decades above 1e-6
  EXPECT_EQ(TrialStats::margin_bin(1e5), TrialStats::kMarginBins - 1);
  EXPECT_EQ(TrialStats::margin_bin_edges().size(), static_cast<std::size_t>(TrialStats::kMarginBins + 1));
}

TEST(Workload, RejectsBadInput) {
  try {
    parse_value_distribution("normal");
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "ndcam: unknown value distribution 'normal' (allowed: uniform, gaussian, codebook)");
  }
  WorkloadSpec w;
  w.distribution = ValueDistribution::kCodebook;
  w.rows = 3;
  w.codebook = {1, 2};
  try {
    w.validate();
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "ndcam: codebook has 2 values but rows = 3");
  }
}

TEST(Calibration, DefaultsReproducePaperMaxPool) {
  // Paper Sec. 4.2.2: 4x4 max pooling in 0.5 ns and 920 fJ. The defaults in circuit_params.hpp
  // are the calibrated constants rounded to 3 digits: within 1 %.
  const CalibrationTarget t;  // the same 20000 trials the constants were solved on
  const MaxPoolCost c = max_pool_cost(CircuitParams{}, t);
  EXPECT_NEAR(c.latency_s, 0.5e-9, 0.005e-9);
  EXPECT_NEAR(c.energy_j, 920e-15, 9.2e-15);
}

TEST(Calibration, SolvesFromAnotherStart) {
  CircuitParams start;
  start.k_a_per_valpha *= 3.0;
  start.c_ml_per_unit_width_f *= 0.4;
  CalibrationTarget t;
  t.trials = 300;
  const CalibrationResult r = calibrate(start, t);
  EXPECT_NEAR(r.achieved.latency_s, 0.5e-9, 0.5e-9 * 2e-4);
  EXPECT_NEAR(r.achieved.energy_j, 920e-15, 920e-15 * 2e-4);
  EXPECT_LT(r.iterations, 20);
}
