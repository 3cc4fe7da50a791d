// Parameters load from TOML with units in the key names; bad values name key, unit and range.
#include <gtest/gtest.h>

#include "accel/baselines.hpp"
#include "accel/hardware_params.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

using namespace rapidnn::accel;
using rapidnn::ConfigDocument;

namespace {
std::string load_error(const std::string& text) {
  try {
    auto doc = ConfigDocument::parse(text, "acc.toml");
    auto root = doc.root();
    auto node = root.child("hardware");
    load_hardware_params(node);
    doc.check_unknown_keys();
  } catch (const rapidnn::ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(HardwareParams, DefaultsAreTable1AndEveryParameterHasASource) {
  const HardwareParams p;
  EXPECT_DOUBLE_EQ(p.crossbar_area_um2, 3136.0);
  EXPECT_DOUBLE_EQ(p.counter_power_w, 0.7e-3);
  const auto info = describe(p);
  EXPECT_GE(info.size(), 25u);
  for (const auto& i : info) {
    EXPECT_FALSE(i.source.empty()) << i.key;
    EXPECT_GE(i.value, i.min) << i.key;
    EXPECT_LE(i.value, i.max) << i.key;
  }
}

TEST(HardwareParams, LoadsOverridesAndRecordsDefaults) {
  auto doc = ConfigDocument::parse("[hardware]\nclock_hz = 2e9\ncrossbar_power_w = 1e-3\n", "acc.toml");
  auto root = doc.root();
  auto node = root.child("hardware");
  const HardwareParams p = load_hardware_params(node);
  doc.check_unknown_keys();
  EXPECT_DOUBLE_EQ(p.clock_hz, 2e9);
  EXPECT_DOUBLE_EQ(p.crossbar_power_w, 1e-3);
  EXPECT_DOUBLE_EQ(p.counter_area_um2, 538.6);
  EXPECT_NE(doc.effective_text().find("counter_area_um2 = 538.6"), std::string::npos) << doc.effective_text();
}

TEST(HardwareParams, ErrorsNameKeyWithUnitAndRange) {
  EXPECT_EQ(load_error("[hardware]\nclock_hz = -5.0\n"),
            "acc.toml:2:12: key 'hardware.clock_hz': expected a number in [1000000, 100000000000], got -5");
  EXPECT_EQ(load_error("[hardware]\ncrossbar_area_mm2 = 1.0\n"),
            "acc.toml:2:21: unknown key 'hardware.crossbar_area_mm2'; allowed keys in [hardware]: " +
                std::string("activation_am_area_um2, activation_am_power_w, activation_am_ref_rows, adder_bits, "
                            "am_read_cycles, buffer_area_um2, buffer_power_w, cam_write_cycles_per_row, "
                            "carry_cycles_per_bit, clock_hz, counter_area_um2, counter_bits, counter_power_w, "
                            "counter_ref_count, crossbar_area_um2, crossbar_power_w, crossbar_ref_products, "
                            "csa_stage_cycles, csa_stages, encoder_am_area_um2, encoder_am_power_w, encoder_am_ref_rows, "
                            "inter_chip_bits_per_cycle, inter_chip_energy_j_per_bit, inter_tile_bits_per_cycle, "
                            "inter_tile_energy_j_per_bit, ndcam_bits_per_stage, ndcam_cycles_per_stage, ndcam_search_energy_j, "
                            "rna_other_area_um2, rna_other_power_w, rnas_per_tile, table_power_exponent, tiles_per_chip, "
                            "transfer_cycles_per_bit"));
  EXPECT_EQ(load_error("[hardware]\nadder_bits = 8\n"),
            "acc.toml:2:14: key 'hardware.adder_bits': adder_bits (8 bit) must be at least counter_bits (12 bit): "
            "a count is shifted into an adder word");
  EXPECT_EQ(load_error("[hardware]\ncsa_stages = \"wallace\"\n"),
            "acc.toml:2:14: key 'hardware.csa_stages': expected one of \"rounds\", \"paper\", got \"wallace\"");
  EXPECT_EQ(load_error("[hardware]\ninter_chip_bits_per_cycle = 0.5\n"),
            "acc.toml:2:29: key 'hardware.inter_chip_bits_per_cycle': expected a number in [1, 1000000000], got 0.5");
  EXPECT_EQ(load_error("[hardware]\nrnas_per_tile = 10.5\n"),
            "acc.toml:2:17: key 'hardware.rnas_per_tile': expected a whole number, got 10.5");
}

TEST(HardwareParams, ValidateThrowsInvalidArgument) {
  HardwareParams p;
  p.crossbar_power_w = -1.0;
  try {
    validate(p);
    FAIL();
  } catch (const rapidnn::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "hardware parameter crossbar_power_w: expected a number in [0, 1000], got -1");
  }
}
