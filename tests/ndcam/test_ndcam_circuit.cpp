// Hand-checked NDCAM searches. Unless stated otherwise the circuit below has
//   Vdd = 1 V, Vth = 0.5 V, alpha = 1, k = 1e-5 A/V, unit W/L = 1
//     => unit (LSB) cell current I_u = k (W/L) (Vdd - Vth)^alpha = 1e-5 * 1 * 0.5 = 5 uA
//   c_fixed = 1 fF, c_unit = 1 fF, 4-bit binary stage: U = 1+2+4+8 = 15 => C = 16 fF
//   sense at 0.5 Vdd => swing 0.5 V, so t = C * 0.5 / I = 8e-15 / I
//   t_precharge = 20 ps, t_sense = 10 ps, resolution 1 ps.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.hpp"

#include "core/error.hpp"
#include "ndcam/ndcam_circuit.hpp"
#include "ndcam/nearest.hpp"

using namespace rapidnn::ndcam;

namespace {
CircuitParams hand_params() {
  CircuitParams p;
  p.vdd_v = 1.0;
  p.vth_v = 0.5;
  p.alpha = 1.0;
  p.k_a_per_valpha = 1e-5;
  p.unit_w_over_l = 1.0;
  p.sense_fraction = 0.5;
  p.c_ml_fixed_f = 1e-15;
  p.c_ml_per_unit_width_f = 1e-15;
  p.t_precharge_s = 20e-12;
  p.t_sense_s = 10e-12;
  p.sense_resolution_s = 1e-12;
  p.timeout_factor = 2.0;
  p.sigma_w = 0.0;
  p.sigma_vth = 0.0;
  return p;
}
}  // namespace

TEST(StageLayout, SplitsMsbFirstWithRemainderLast) {
  const StageLayout l(32, 8, CellWeighting::kBinary);
  ASSERT_EQ(l.stage_count(), 4);
  EXPECT_EQ(l.stage(0).lsb, 24);
  EXPECT_EQ(l.stage(3).lsb, 0);
  EXPECT_EQ(l.stage_width_units(0), 255.0);
  EXPECT_EQ(l.stage_bits(0x12345678u, 0), 0x12u);
  EXPECT_EQ(l.stage_bits(0x12345678u, 3), 0x78u);
  const StageLayout r(32, 12, CellWeighting::kBinary);  // 12 + 12 + 8
  ASSERT_EQ(r.stage_count(), 3);
  EXPECT_EQ(r.stage(0).lsb, 20);
  EXPECT_EQ(r.stage(2).lsb, 0);
  EXPECT_EQ(r.stage(2).width, 8);
  EXPECT_EQ(StageLayout(32, 32, CellWeighting::kUniform).stage_width_units(0), 32.0);
}

TEST(StageLayout, RejectsBadWidths) {
  try {
    StageLayout(16, 20, CellWeighting::kBinary);
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "ndcam: bits_per_stage must be in [1, value_bits=16], got 20");
  }
  EXPECT_THROW(StageLayout(33, 8, CellWeighting::kBinary), rapidnn::InvalidArgument);
}

TEST(NdcamCircuit, SingleStageDischargeTimesByHand) {
  const NdcamCircuit c(hand_params(), StageLayout(4, 4, CellWeighting::kBinary));
  EXPECT_DOUBLE_EQ(c.match_line_capacitance_f(0), 16e-15);
  EXPECT_DOUBLE_EQ(c.cell_current_a(1.0, 0.0, 0.0), 5e-6);
  // query 1010; row 0 = 1010 matches all cells: 15 units = 75 uA, t = 8e-15/75e-6 = 106.67 ps.
  // row 1 = 1000: XOR 0010, matching cells 1101 = 13 units = 65 uA, t = 123.08 ps.
  // row 2 = 0101: XOR 1111, no cell matches: the line never discharges.
  const std::vector<std::uint32_t> table{0b1010, 0b1000, 0b0101};
  SearchScratch scratch;
  const SearchResult r = c.search(table, 0b1010, {}, scratch);
  EXPECT_EQ(r.winner_row, 0u);
  EXPECT_EQ(r.discharged_lines, 2);
  EXPECT_NEAR(r.energy_j, 2 * 16e-15, 1e-24);                 // 2 lines x C Vdd^2
  EXPECT_NEAR(r.latency_s, 30e-12 + 8e-15 / 75e-6, 1e-18);     // 136.67 ps
  ASSERT_TRUE(r.has_margin);
  EXPECT_NEAR(r.margin_rel, 15.0 / 13.0 - 1.0, 1e-12);         // 0.1538
  EXPECT_NEAR(r.margin_s, 8e-15 / 65e-6 - 8e-15 / 75e-6, 1e-18);  // 16.41 ps
}

TEST(NdcamCircuit, TwoStageNarrowingByHand) {
  const NdcamCircuit c(hand_params(), StageLayout(8, 4, CellWeighting::kBinary));
  // query 0x3B. Stage 0 (high nibble 0011): rows 0, 1, 3 hold 3 -> 15 units (106.67 ps);
  // row 2 holds 4 = 0100, XOR 0111, matching 1000 = 8 units (200 ps): dropped.
  // Stage 1 (low nibble 1011): row 0 = 0101 -> matching 0001 = 1 unit; row 1 = 1010 -> matching
  // 1110 = 14 units (114.29 ps); row 3 = 0000 -> matching 0100 = 4 units (400 ps). Winner row 1.
  const std::vector<std::uint32_t> table{0x35, 0x3A, 0x4A, 0x30};
  SearchScratch scratch;
  const SearchResult r = c.search(table, 0x3B, {}, scratch);
  EXPECT_EQ(r.winner_row, 1u);
  EXPECT_EQ(r.discharged_lines, 4 + 3);
  EXPECT_NEAR(r.energy_j, 7 * 16e-15, 1e-24);
  EXPECT_NEAR(r.latency_s, 60e-12 + 8e-15 / 75e-6 + 8e-15 / 70e-6, 1e-18);  // 280.95 ps
  // Stage margins: 15/8 - 1 = 0.875 (stage 0) and 14/4 - 1 = 2.5 (stage 1); the search keeps the min.
  EXPECT_NEAR(r.margin_rel, 0.875, 1e-12);
  EXPECT_NEAR(r.margin_s, 200e-12 - 8e-15 / 75e-6, 1e-18);
}

TEST(NdcamCircuit, NominalCircuitReturnsMinXorNotAlwaysNearest) {
  const NdcamCircuit c(hand_params(), StageLayout(4, 4, CellWeighting::kBinary));
  SearchScratch scratch;
  // query 0111 (7): 1000 (8) matches no cell, 0000 (0) matches the MSB cell. The first line to
  // discharge is 0, although 8 is nearer: binary weighting finds min XOR, not min |difference|.
  const std::vector<std::uint32_t> table{0b1000, 0b0000};
  EXPECT_EQ(c.search(table, 0b0111, {}, scratch).winner_row, 1u);
  EXPECT_EQ(min_xor_row(table, 0b0111), 1u);
  EXPECT_EQ(nearest_absolute_distance(table, 0b0111), 1u);
  EXPECT_EQ(rank_offset(table, 0b0111, 0b0000), -1);
}

TEST(NdcamCircuit, SenseResolutionMergesCloseLines) {
  // query 1111: row 0 = 1110 (14 units, 114.29 ps), row 1 = 1111 (15 units, 106.67 ps), 7.6 ps apart.
  const std::vector<std::uint32_t> table{0b1110, 0b1111};
  SearchScratch scratch;
  CircuitParams p = hand_params();
  EXPECT_EQ(NdcamCircuit(p, StageLayout(4, 4, CellWeighting::kBinary)).search(table, 15, {}, scratch).winner_row, 1u);
  p.sense_resolution_s = 10e-12;  // both within the window: the priority encoder takes row 0
  EXPECT_EQ(NdcamCircuit(p, StageLayout(4, 4, CellWeighting::kBinary)).search(table, 15, {}, scratch).winner_row, 0u);
}

TEST(NdcamCircuit, NothingMatchingTimesOut) {
  const NdcamCircuit c(hand_params(), StageLayout(4, 4, CellWeighting::kBinary));
  const std::vector<std::uint32_t> table{0b1111};
  SearchScratch scratch;
  const SearchResult r = c.search(table, 0, {}, scratch);
  // timeout = 2 x (8e-15 / 5e-6) = 3.2 ns
  EXPECT_DOUBLE_EQ(c.timeout_s(0), 3.2e-9);
  EXPECT_EQ(r.stages_timed_out, 1);
  EXPECT_EQ(r.discharged_lines, 0);
  EXPECT_NEAR(r.latency_s, 30e-12 + 3.2e-9, 1e-18);
  EXPECT_FALSE(r.has_margin);
}

TEST(NdcamCircuit, HammingCamCannotTellPaperExampleApart) {
  // Paper Sec. 4.2.2: 11111 has the same HD to 11110 and 01111. An equal-cell CAM sees the two
  // lines discharge together (4 matching units each) and returns the lower row, whichever it is;
  // the binary-weighted NDCAM gives 11110 30 units against 15 and returns it in either order.
  const NdcamCircuit hd(hand_params(), StageLayout(5, 5, CellWeighting::kUniform));
  const NdcamCircuit nd(hand_params(), StageLayout(5, 5, CellWeighting::kBinary));
  SearchScratch s;
  const std::vector<std::uint32_t> a{0b11110, 0b01111}, b{0b01111, 0b11110};
  EXPECT_EQ(hamming_distance(0b11111, 0b11110), hamming_distance(0b11111, 0b01111));
  EXPECT_EQ(hd.search(a, 0b11111, {}, s).winner_row, 0u);  // 11110: right by luck of order
  EXPECT_EQ(hd.search(b, 0b11111, {}, s).winner_row, 0u);  // 01111: off by 16
  EXPECT_EQ(min_hamming_row(b, 0b11111), 0u);
  EXPECT_EQ(nd.search(a, 0b11111, {}, s).winner_row, 0u);
  EXPECT_EQ(nd.search(b, 0b11111, {}, s).winner_row, 1u);
}

TEST(NdcamCircuit, VariationChangesCurrentsByAlphaPowerLaw) {
  CircuitParams p = hand_params();
  p.sigma_w = 0.1;
  p.sigma_vth = 0.1;
  p.alpha = 1.5;
  const NdcamCircuit c(p, StageLayout(4, 4, CellWeighting::kBinary));
  // z_w = 1: W x 1.1; z_vth = -1: Vth = 0.45 V, overdrive 0.55 V.
  // I = 1e-5 * 1 * 4 (units) * 1.1 * 0.55^1.5
  EXPECT_NEAR(c.cell_current_a(4.0, 1.0, -1.0), 1e-5 * 4 * 1.1 * std::pow(0.55, 1.5), 1e-18);
  // A threshold pushed above Vdd turns the transistor off.
  EXPECT_EQ(c.cell_current_a(1.0, 0.0, 11.0), 0.0);
  // Pelgrom area scaling: a 4-unit cell has sigma / sqrt(4) = 5%: W x 1.05, Vth = 0.475 V.
  p.pelgrom_area_scaling = true;
  const NdcamCircuit pel(p, StageLayout(4, 4, CellWeighting::kBinary));
  EXPECT_NEAR(pel.cell_current_a(4.0, 1.0, -1.0), 1e-5 * 4 * 1.05 * std::pow(0.525, 1.5), 1e-18);
  // ... and the unit cell keeps the full sigma.
  EXPECT_DOUBLE_EQ(pel.cell_current_a(1.0, 1.0, -1.0), c.cell_current_a(1.0, 1.0, -1.0));
}

TEST(NdcamCircuit, NominalSearchAgreesWithMinXorReference) {
  // With resolution 0 only identical stage bits tie, so MSB-first narrowing = lexicographic
  // min XOR over the stages = min XOR over the word (ties: lowest row), for any stage width.
  CircuitParams p = hand_params();
  p.sense_resolution_s = 0.0;
  rapidnn::CounterRng rng(5, rapidnn::RngDomain::kUser, 0);
  SearchScratch s;
  for (int bits : {4, 8, 11, 32}) {
    const NdcamCircuit c(p, StageLayout(32, bits, CellWeighting::kBinary));
    for (int t = 0; t < 200; ++t) {
      std::vector<std::uint32_t> table(37);
      for (auto& v : table) v = rng.next_u32() & (t % 2 ? 0xFFFFFFFFu : 0xFF00FF0Fu);  // some duplicates
      const std::uint32_t q = rng.next_u32();
      ASSERT_EQ(c.search(table, q, {}, s).winner_row, min_xor_row(table, q)) << bits << " " << t;
    }
  }
}

TEST(NdcamCircuit, RejectsBadInput) {
  const NdcamCircuit c(hand_params(), StageLayout(4, 4, CellWeighting::kBinary));
  SearchScratch s;
  const std::vector<std::uint32_t> table{1, 2};
  try {
    c.search(table, 16, {}, s);
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "ndcam: query 16 does not fit in value_bits=4");
  }
  const std::vector<double> z(3, 0.0);
  EXPECT_THROW(c.search(table, 1, TransistorDeviates{z, z}, s), rapidnn::InvalidArgument);
  CircuitParams p = hand_params();
  p.vth_v = 1.2;
  try {
    p.validate();
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "ndcam: vth_v must be in [0, vdd_v=1), got 1.2");
  }
}
