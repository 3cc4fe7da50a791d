// Cycle and energy counts of one neuron, hand-computed from Sec 4.1-4.3 and Table 1.
#include <gtest/gtest.h>

#include "accel/rna_cycles.hpp"
#include "core/error.hpp"

using namespace rapidnn::accel;

TEST(ShiftAdd, RunOfOnesTrickFromSection411) {
  EXPECT_EQ(shift_add_terms(0), 0);
  EXPECT_EQ(shift_add_terms(4), 1);     // shift by two bits
  EXPECT_EQ(shift_add_terms(9), 2);     // 8 + 1
  EXPECT_EQ(shift_add_terms(15), 2);    // 16 - 1 (the paper's example)
  EXPECT_EQ(shift_add_terms(7), 2);     // 8 - 1
  EXPECT_EQ(shift_add_terms(3), 2);     // 2 + 1 (a run of two saves nothing)
  EXPECT_EQ(shift_add_terms(0b1110111), 5);  // 6 ones, longest run 3 -> 128 - 16 + 4 + 2 + 1
  EXPECT_EQ(longest_run_of_ones(0b1011100111), 3);
}

TEST(ShiftAdd, CountAboveCounterRangeSplits) {
  // 12-bit counters hold 4095 = 2^12 - 1 (two terms); 5000 = 4095 + 905, 905 = 0b1110001001
  // (five ones, longest run 3 -> four terms): 2 + 4.
  EXPECT_EQ(count_terms(5000, 12), 6);
  EXPECT_EQ(count_terms(905, 12), 4);
}

TEST(Accumulation, OperandsFromEvenCounts) {
  // 8 inputs over 4 products: every count is 2 -> one shifted copy each.
  EXPECT_EQ(accumulation_operands(8, 4, 12), 4);
  // 10 inputs over 4 products: counts 3, 3, 2, 2 -> 2 + 2 + 1 + 1.
  EXPECT_EQ(accumulation_operands(10, 4, 12), 6);
  // fewer inputs than products: 3 products seen once.
  EXPECT_EQ(accumulation_operands(3, 16, 12), 3);
  EXPECT_THROW(accumulation_operands(0, 4, 12), rapidnn::InvalidArgument);
}

TEST(Accumulation, CarrySaveStagesMatchWallaceHeights) {
  // A 3:2 round maps m operands to m - floor(m/3); the largest m reduced in s rounds are
  // 2, 3, 4, 6, 9, 13, 19 (Wallace tree heights), about log_{3/2}(m) (Sec 4.1.2).
  EXPECT_EQ(carry_save_stages(1), 0);
  EXPECT_EQ(carry_save_stages(2), 0);
  EXPECT_EQ(carry_save_stages(3), 1);
  EXPECT_EQ(carry_save_stages(4), 2);
  EXPECT_EQ(carry_save_stages(6), 3);
  EXPECT_EQ(carry_save_stages(7), 4);
  EXPECT_EQ(carry_save_stages(9), 4);
  EXPECT_EQ(carry_save_stages(19), 6);
  EXPECT_EQ(carry_save_stages(20), 7);
}

TEST(NeuronCycles, TinyDenseNeuronByHand) {
  const HardwareParams hw;  // Table 1 defaults, N = 32, 13-cycle stages, 1 GHz
  const LayerShape layer = dense_layer("fc", 8, 2);
  const CodebookSizes cb{2, 2, 64};
  const NeuronCycles c = neuron_cycles(layer, cb, hw);
  EXPECT_EQ(c.counting, 4);           // ceil(8 inputs / 2 weight buffers)
  EXPECT_EQ(c.operands, 4);           // 4 products seen twice each, one shift each
  EXPECT_EQ(c.shifting, 13);          // counter_bits + 1 masked copies
  EXPECT_EQ(c.carry_save, 26);        // 4 -> 3 -> 2: two stages of 13 cycles
  EXPECT_EQ(c.carry_propagate, 416);  // 13 N, N = 32
  EXPECT_EQ(c.activation, 5);         // 32 bits / 8-bit stages = 4 searches + 1 row read
  EXPECT_EQ(c.encoding, 5);
  EXPECT_EQ(c.transfer, 1);           // log2(u = 2) = 1 bit, bit-serial
  EXPECT_EQ(c.latency(), 470);
  EXPECT_EQ(c.initiation_interval(), 455);  // crossbar: 13 + 26 + 416

  // Energy = block power (Table 1, scaled by table rows) x active cycles x 1 ns.
  const NeuronEnergy e = neuron_energy(layer, c, cb, hw);
  EXPECT_DOUBLE_EQ(e.counter_j, 0.7e-3 * 4.0 / 1024.0 * 4e-9);
  EXPECT_DOUBLE_EQ(e.crossbar_j, 3.7e-3 * 4.0 / 1024.0 * 455e-9);
  EXPECT_DOUBLE_EQ(e.activation_j, 0.2e-3 * 5e-9);             // q = 64 = reference rows
  EXPECT_DOUBLE_EQ(e.encoding_j, 0.2e-3 * 2.0 / 64.0 * 5e-9);  // u = 2 of 64 rows
  EXPECT_DOUBLE_EQ(e.buffer_j, 2.8e-3 / 1000.0 * 1e-9);
  EXPECT_NEAR(e.total(), 7.6211594e-12, 1e-19);
}

TEST(NeuronCycles, PaperCarrySaveRuleCountsStoredProducts) {
  // Sec 4.1.2: log_{3/2}(w*u) stages of 13 cycles. 1.5^3 = 3.375 < 4 <= 1.5^4 = 5.06: 4 stages
  // for w*u = 4; 1.5^17 = 985.3 < 1024 <= 1.5^18 = 1477.9: 18 stages for the 1K table.
  EXPECT_EQ(paper_carry_save_stages(1), 0);
  EXPECT_EQ(paper_carry_save_stages(2), 2);  // 1.5 < 2 <= 2.25
  EXPECT_EQ(paper_carry_save_stages(4), 4);
  EXPECT_EQ(paper_carry_save_stages(1024), 18);
  EXPECT_EQ(paper_carry_save_stages(4096), 21);  // 1.5^20 = 3325.3 < 4096 <= 1.5^21 = 4987.9
  HardwareParams hw;
  hw.csa_stages = "paper";
  const NeuronCycles c = neuron_cycles(dense_layer("fc", 8, 2), CodebookSizes{2, 2, 64}, hw);
  EXPECT_EQ(c.carry_save, 13 * 4);     // w*u = 4 products: 4 stages (the "rounds" rule: 2 for M = 4)
  EXPECT_EQ(c.carry_propagate, 416);   // 13 N
  EXPECT_EQ(c.latency(), 4 + 13 + 52 + 416 + 5 + 5 + 1);
}

TEST(NeuronCycles, MaxPoolUsesNdcamSearch) {
  const HardwareParams hw;
  const LayerShape pool = max_pool_layer("pool", 4, 4, 1, 2, 2);
  const CodebookSizes cb{16, 16, 64};
  const NeuronCycles c = neuron_cycles(pool, cb, hw);
  EXPECT_EQ(c.weighted_accumulation(), 0);
  EXPECT_EQ(c.pooling, 4 + 1 + 1);  // 4 CAM row writes, one 4-bit search stage, one read
  EXPECT_EQ(c.transfer, 4);         // log2(16)
  const NeuronEnergy e = neuron_energy(pool, c, cb, hw);
  EXPECT_DOUBLE_EQ(e.pooling_j, 0.2e-3 * 16.0 / 64.0 * 6e-9 + 920e-15);  // + Sec 4.2.2 search energy
}

TEST(NeuronCycles, RejectsBadCodebooks) {
  const HardwareParams hw;
  try {
    neuron_cycles(dense_layer("fc", 8, 2), CodebookSizes{0, 4, 64}, hw);
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "codebook sizes must be w >= 1, u >= 1, q >= 2; got w = 0, u = 4, q = 64");
  }
}

TEST(RnaBlocks, PowerExponentZeroKeepsTable1Power) {
  HardwareParams hw;
  hw.table_power_exponent = 0.0;
  const RnaBlocks b = rna_blocks(CodebookSizes{4, 4, 64}, hw);
  EXPECT_DOUBLE_EQ(b.power_w(), 4.8e-3);                    // Table 1 power regardless of rows
  EXPECT_DOUBLE_EQ(b.crossbar_um2, 3136.0 * 16.0 / 1024.0);  // area still follows the rows
}
