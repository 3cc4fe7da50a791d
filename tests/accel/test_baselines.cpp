// GPU roofline and published accelerators, hand-computed.
#include <gtest/gtest.h>

#include "accel/baselines.hpp"
#include "accel/cost_model.hpp"
#include "accel/shape_zoo.hpp"

using namespace rapidnn::accel;

TEST(GpuRoofline, DenseLayerIsBandwidthBoundAtBatchOne) {
  const GpuParams gpu;  // GTX 1080 datasheet
  NetworkShape net{"fc", {input_layer("in", 1000), dense_layer("fc", 1000, 1000)}};
  const GpuCost c = gpu_cost(net, gpu);
  // compute 2e6 / 8.873e12 = 0.23 us < memory 4 (1e6 + 1000 + 1000) B / 320 GB/s = 12.525 us; + 5 us launch.
  EXPECT_NEAR(c.time_s, 4.008e6 / 320e9 + 5e-6, 1e-15);
  EXPECT_NEAR(c.energy_j, 180.0 * c.time_s, 1e-15);
  GpuParams big = gpu;
  big.batch_size = 4096;  // large batches become compute bound: 2e6 flops per inference
  EXPECT_NEAR(gpu_cost(net, big).time_s, 2e6 / 8.873e12 + 5e-6 / 4096, 1e-12);
}

TEST(PublishedAccelerators, EfficiencyGivesTimeAndEnergy) {
  const auto accs = default_published_accelerators();
  ASSERT_EQ(accs.size(), 5u);
  const auto& isaac = accs[1];
  EXPECT_EQ(isaac.name, "ISAAC");
  const BaselineCost c = published_cost(1e12, isaac);
  EXPECT_NEAR(c.time_s, 1e12 / (479.0e9 * 85.4), 1e-15);
  EXPECT_NEAR(c.energy_j, 1e12 / 380.7e9, 1e-12);
  EXPECT_NEAR(published_cost(1e12, isaac, 2 * 85.4).time_s, c.time_s / 2, 1e-15);
  // Eyeriss from its JSSC figures: 34.7 frame/s x 1.332 GOP / 12.25 mm2 and / 0.278 W.
  EXPECT_NEAR(accs[3].gops_per_s_per_mm2, 3.773, 0.001);
  EXPECT_NEAR(accs[3].gops_per_s_per_w, 166.26, 0.01);
}
