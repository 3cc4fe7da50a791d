// Network-level cost: Table 1 totals, a hand-computed tiny network, mapping and monotonicity.
#include <gtest/gtest.h>

#include "accel/cost_model.hpp"
#include "accel/shape_zoo.hpp"
#include "core/error.hpp"

using namespace rapidnn::accel;

TEST(Table1, ComponentValuesAddUpToThePaperTotals) {
  const HardwareParams hw;
  // Table 1 sizes: 1K products (e.g. w = 16, u = 64), 64-row activation and encoder AMs.
  const HardwareTotals t = hardware_totals(CodebookSizes{16, 64, 64}, hw);
  EXPECT_NEAR(t.rna_area_um2, 3841.0, 0.5);    // Table 1: 3,841 um2
  EXPECT_NEAR(t.rna_power_w, 4.8e-3, 1e-6);    // Table 1: 4.8 mW
  EXPECT_NEAR(t.tile_area_mm2, 3.88, 0.005);   // Table 1: 3.88 mm2 (printed to 0.01)
  EXPECT_NEAR(t.tile_power_w, 4.8, 0.05);      // Table 1: 4.8 W (printed to 0.1)
  EXPECT_NEAR(t.chip_area_mm2, 124.1, 0.05);   // Table 1: 124.1 mm2
  EXPECT_NEAR(t.chip_power_w, 153.6, 0.1);     // Table 1: 153.6 W (32 x 4.8 W + 32 buffers)
}

TEST(CostModel, TinyNetworkByHand) {
  const HardwareParams hw;
  NetworkShape net{"tiny", {input_layer("in", 8), dense_layer("fc", 8, 2)}};
  const CostResult r = evaluate(net, CodebookSizes{2, 2, 64}, MappingOptions{}, hw);
  // Everything fits (8 + 2 RNAs of 32,000): one RNA per neuron.
  EXPECT_EQ(r.rnas_allocated, 10);
  EXPECT_EQ(r.tiles_used, 1);
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].stage_cycles, 6);    // encode (4 + 1) + 1-bit transfer
  EXPECT_EQ(r.layers[1].stage_cycles, 470);  // test_rna_cycles TinyDenseNeuronByHand
  EXPECT_DOUBLE_EQ(r.latency_s, 476e-9);
  EXPECT_DOUBLE_EQ(r.throughput_per_s, 1e9 / 470.0);
  // Input value: encoder AM (u = 2 rows) 5 cycles + buffer 1 cycle.
  const double input_j = 0.2e-3 * 2.0 / 64.0 * 5e-9 + 2.8e-3 / 1000.0 * 1e-9;
  EXPECT_NEAR(r.energy_j, 8 * input_j + 2 * 7.6211594e-12, 1e-18);
  EXPECT_EQ(r.ops, 2 * 16);  // 16 MACs
  EXPECT_NEAR(r.gops_per_s_per_w, 32.0 / r.energy_j * 1e-9, 1e-9);
  // Area: 10 RNAs built for w*u = 4 products + one tile buffer.
  const double rna_um2 = 3136.0 * 4 / 1024 + 538.6 * 4 / 1024 + 83.2 + 83.2 * 2 / 64;
  EXPECT_NEAR(r.used_area_mm2, (10 * rna_um2 + 37600.0) * 1e-6, 1e-12);
  EXPECT_NEAR(r.energy_by_block_j.total(), r.energy_j, 1e-24);
}

TEST(CostModel, TimeMultiplexesWhenRnasRunOut) {
  HardwareParams hw;
  hw.rnas_per_tile = 2;
  hw.tiles_per_chip = 1;
  NetworkShape net{"tiny", {input_layer("in", 8), dense_layer("fc", 8, 2)}};
  const CostResult r = evaluate(net, CodebookSizes{2, 2, 64}, MappingOptions{}, hw);
  // Two RNAs for two layers: one each; the input RNA encodes 8 values back to back with an
  // initiation interval of 6 cycles, the dense RNA 2 neurons with 455.
  EXPECT_EQ(r.layers[0].rnas, 1);
  EXPECT_EQ(r.layers[0].stage_cycles, 6 + 7 * 6);
  EXPECT_EQ(r.layers[1].stage_cycles, 470 + 455);
  EXPECT_DOUBLE_EQ(r.throughput_per_s, 1e9 / 925.0);
  hw.rnas_per_tile = 1;
  try {
    evaluate(net, CodebookSizes{2, 2, 64}, MappingOptions{}, hw);
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "network 'tiny' has 2 layers but 1 chip(s) hold only 1 RNAs");
  }
}

TEST(CostModel, PlacesLayersOnTilesAndChipsWithTransfersByHand) {
  // 2 chips x 2 tiles x 4 RNAs. u = 4: 2 bits per encoded value. Layers packed in order:
  //   in (4 RNAs) -> tile 0 (chip 0); fc1 (6) -> tile 1 (4, chip 0) + tile 2 (2, chip 1);
  //   fc2 (2) -> tile 2.
  HardwareParams hw;
  hw.rnas_per_tile = 4;
  hw.tiles_per_chip = 2;
  hw.inter_tile_bits_per_cycle = 4;
  hw.inter_chip_bits_per_cycle = 2;
  NetworkShape net{"tiny", {input_layer("in", 4), dense_layer("fc1", 4, 6), dense_layer("fc2", 6, 2)}};
  const CodebookSizes cb{2, 4, 64};
  const CostResult r = evaluate(net, cb, MappingOptions{0.0, 2}, hw);
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.rnas_allocated, 12);
  EXPECT_EQ(r.tiles_used, 3);
  EXPECT_EQ(r.chips_used, 2);
  EXPECT_EQ(r.layers[0].first_tile, 0);
  EXPECT_EQ(r.layers[1].first_tile, 1);
  EXPECT_EQ(r.layers[1].last_tile, 2);
  EXPECT_EQ(r.layers[2].first_tile, 2);
  EXPECT_EQ(r.layers[0].transfer_in_cycles, 0);
  // in -> fc1: tile 1 gets 4 values (8 bits) from tile 0 on its chip: 8 / 4 = 2 cycles; tile 2
  // gets them from chip 0: 8 / 2 = 4 cycles. The stage takes the slower tile.
  EXPECT_EQ(r.layers[1].transfer_in_cycles, 4);
  EXPECT_DOUBLE_EQ(r.layers[1].transfer_in_on_chip_bits, 8);
  EXPECT_DOUBLE_EQ(r.layers[1].transfer_in_off_chip_bits, 8);
  // fc1 -> fc2: tile 2 already holds 2 of the 6 values; 4 come from tile 1 (chip 0): 8 / 2 = 4.
  EXPECT_EQ(r.layers[2].transfer_in_cycles, 4);
  EXPECT_DOUBLE_EQ(r.layers[2].transfer_in_off_chip_bits, 8);
  EXPECT_DOUBLE_EQ(r.inter_tile_bits, 8);
  EXPECT_DOUBLE_EQ(r.inter_chip_bits, 16);
  EXPECT_DOUBLE_EQ(r.layers[2].transfer_in_energy_j, 8 * 10e-12);
  // Transfers add their own pipeline stages (4 + 4 cycles) and their energy
  // (8 bits x 0.1 pJ on chip + 16 bits x 10 pJ off chip) to the layers' own.
  std::int64_t stages = 0;
  double layer_j = 0;
  for (const auto& l : r.layers) {
    stages += l.stage_cycles;
    layer_j += l.energy_j;
  }
  EXPECT_NEAR(r.latency_s, static_cast<double>(stages + 8) * 1e-9, 1e-18);
  EXPECT_NEAR(r.energy_j - layer_j, 8 * 0.1e-12 + 16 * 10e-12, 1e-22);
  // The same network on one big tile has no transfers.
  HardwareParams one = hw;
  one.rnas_per_tile = 1000;
  const CostResult flat = evaluate(net, cb, MappingOptions{0.0, 2}, one);
  EXPECT_EQ(flat.chips_used, 1);
  EXPECT_DOUBLE_EQ(flat.inter_tile_bits + flat.inter_chip_bits, 0);
}

TEST(CostModel, BalancesPipelineStagesAcrossLayers) {
  // VGG-16 on one chip cannot have one RNA per neuron: all 32,000 RNAs are used and no layer
  // gets fewer than it needs to meet the longest stage.
  const HardwareParams hw;
  const CostResult r = evaluate(zoo_shape("vgg16"), CodebookSizes{64, 64, 64}, MappingOptions{}, hw);
  EXPECT_LE(r.rnas_allocated, 32000);
  EXPECT_GT(r.rnas_allocated, 31000);
  std::int64_t longest = 0;
  for (const auto& l : r.layers) longest = std::max(longest, l.stage_cycles);
  EXPECT_DOUBLE_EQ(r.throughput_per_s, 1e9 / static_cast<double>(longest));
  // Eight chips are faster.
  const CostResult r8 = evaluate(zoo_shape("vgg16"), CodebookSizes{64, 64, 64}, MappingOptions{0.0, 8}, hw);
  EXPECT_GT(r8.throughput_per_s, 4.0 * r.throughput_per_s);
  EXPECT_NEAR(r8.chip_area_mm2, 8 * r.chip_area_mm2, 1e-9);
}

TEST(CostModel, MoreClustersCostMoreAreaAndEnergy) {
  const HardwareParams hw;
  for (const char* name : {"mnist_mlp", "cifar10_cnn", "alexnet"}) {
    const NetworkShape net = zoo_shape(name);
    double last_area = 0, last_energy = 0;
    for (std::int64_t k : {4, 16, 64}) {
      const CostResult r = evaluate(net, CodebookSizes{k, k, 64}, MappingOptions{}, hw);
      EXPECT_GT(r.chip_area_mm2, last_area) << name << " k=" << k;
      EXPECT_GT(r.energy_j, last_energy) << name << " k=" << k;
      last_area = r.chip_area_mm2;
      last_energy = r.energy_j;
    }
    // u alone also raises energy (crossbar and encoder AM, Sec 5.4).
    EXPECT_GT(evaluate(net, CodebookSizes{16, 64, 64}, MappingOptions{}, hw).energy_j,
              evaluate(net, CodebookSizes{16, 16, 64}, MappingOptions{}, hw).energy_j);
  }
}

TEST(CostModel, SharingReducesUsedAreaAndMemory) {
  const HardwareParams hw;
  const NetworkShape net = zoo_shape("mnist_mlp");
  double last_area = 1e300, last_memory = 1e300;
  for (double s : {0.0, 0.1, 0.3}) {
    const CostResult r = evaluate(net, CodebookSizes{64, 16, 64}, MappingOptions{s, 1}, hw);
    EXPECT_LT(r.used_area_mm2, last_area) << s;
    EXPECT_LT(r.memory_bytes, last_memory) << s;
    last_area = r.used_area_mm2;
    last_memory = r.memory_bytes;
  }
  EXPECT_THROW(evaluate(net, CodebookSizes{}, MappingOptions{1.0, 1}, hw), rapidnn::InvalidArgument);
  EXPECT_THROW(evaluate(net, CodebookSizes{}, MappingOptions{0.0, 0}, hw), rapidnn::InvalidArgument);
}

TEST(ShapeZoo, KnownOperationCounts) {
  // Well-known MAC counts: VGG-16 15.47 G, AlexNet (grouped) 0.72 G, ResNet-152 11.3 G,
  // GoogLeNet 1.5 G; MNIST MLP 784*512 + 512*512 + 512*10.
  EXPECT_EQ(zoo_shape("mnist_mlp").total_macs(), 784 * 512 + 512 * 512 + 512 * 10);
  EXPECT_NEAR(zoo_shape("vgg16").total_macs() / 1e9, 15.47, 0.05);
  EXPECT_NEAR(zoo_shape("vgg16").total_weights() / 1e6, 138.3, 0.2);  // without biases
  EXPECT_NEAR(zoo_shape("alexnet").total_macs() / 1e9, 0.72, 0.02);
  EXPECT_NEAR(zoo_shape("resnet152").total_macs() / 1e9, 11.3, 0.4);
  EXPECT_NEAR(zoo_shape("googlenet").total_macs() / 1e9, 1.5, 0.1);
  EXPECT_THROW(zoo_shape("lenet"), rapidnn::InvalidArgument);
}
