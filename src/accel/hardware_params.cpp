#include "accel/hardware_params.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/error.hpp"

namespace rapidnn::accel {
namespace {

struct Spec {
  const char* key;
  double HardwareParams::*member;
  double min;
  double max;
  const char* source;
};

// One row per parameter: the key names its unit; min/max are physical sanity bounds.
constexpr Spec kSpecs[] = {
    {"crossbar_area_um2", &HardwareParams::crossbar_area_um2, 1e-3, 1e9, "Table 1 (crossbar 1K*1K)"},
    {"crossbar_power_w", &HardwareParams::crossbar_power_w, 0.0, 1e3, "Table 1 (3.7 mW)"},
    {"crossbar_ref_products", &HardwareParams::crossbar_ref_products, 1, 1e9,
     "Table 1 1K rows, one product w*u per row (Sec 3.3)"},
    {"counter_area_um2", &HardwareParams::counter_area_um2, 0.0, 1e9, "Table 1 (1k x 12-bit)"},
    {"counter_power_w", &HardwareParams::counter_power_w, 0.0, 1e3, "Table 1 (0.7 mW)"},
    {"counter_ref_count", &HardwareParams::counter_ref_count, 1, 1e9, "Table 1 (1k counters)"},
    {"counter_bits", &HardwareParams::counter_bits, 1, 64, "Table 1 (12-bit)"},
    {"activation_am_area_um2", &HardwareParams::activation_am_area_um2, 0.0, 1e9, "Table 1 (64 rows)"},
    {"activation_am_power_w", &HardwareParams::activation_am_power_w, 0.0, 1e3, "Table 1 (0.2 mW)"},
    {"activation_am_ref_rows", &HardwareParams::activation_am_ref_rows, 1, 1e9, "Table 1 (64 rows)"},
    {"encoder_am_area_um2", &HardwareParams::encoder_am_area_um2, 0.0, 1e9, "Table 1 (64 rows)"},
    {"encoder_am_power_w", &HardwareParams::encoder_am_power_w, 0.0, 1e3, "Table 1 (0.2 mW)"},
    {"encoder_am_ref_rows", &HardwareParams::encoder_am_ref_rows, 1, 1e9, "Table 1 (64 rows)"},
    {"table_power_exponent", &HardwareParams::table_power_exponent, 0.0, 2.0,
     "assumption: power scales with (table rows / Table 1 rows)^x, x = 1 (area always scales linearly)"},
    {"rna_other_area_um2", &HardwareParams::rna_other_area_um2, 0.0, 1e9,
     "Table 1 lists none (parts sum to 3,841 um2)"},
    {"rna_other_power_w", &HardwareParams::rna_other_power_w, 0.0, 1e3,
     "Table 1 lists none (parts sum to 4.8 mW)"},
    {"rnas_per_tile", &HardwareParams::rnas_per_tile, 1, 1e9, "Table 1 (1k RNAs; 1000 x 3,841 um2 = 3.84 mm2)"},
    {"buffer_area_um2", &HardwareParams::buffer_area_um2, 0.0, 1e12,
     "Table 1 prints 37.6 um2; tile 3.88 mm2 - RNAs 3.84 mm2 implies 37.6e3 um2"},
    {"buffer_power_w", &HardwareParams::buffer_power_w, 0.0, 1e3, "Table 1 (2.8 mW)"},
    {"tiles_per_chip", &HardwareParams::tiles_per_chip, 1, 1e6, "Table 1 (32 tiles)"},
    {"clock_hz", &HardwareParams::clock_hz, 1e6, 1e11,
     "assumption: 1 GHz (paper gives no clock; NDCAM search 0.5 ns, Sec 4.2.2)"},
    {"adder_bits", &HardwareParams::adder_bits, 1, 128, "Sec 4.2.2 (32-bit values), N of Sec 4.1.2"},
    {"csa_stage_cycles", &HardwareParams::csa_stage_cycles, 0, 1e6, "Sec 4.1.2 (13 cycles per stage)"},
    {"carry_cycles_per_bit", &HardwareParams::carry_cycles_per_bit, 0, 1e6, "Sec 4.1.2 (13N cycles)"},
    {"ndcam_bits_per_stage", &HardwareParams::ndcam_bits_per_stage, 1, 128, "Sec 4.2.2 (8-bit stages)"},
    {"ndcam_cycles_per_stage", &HardwareParams::ndcam_cycles_per_stage, 0, 1e6,
     "Sec 4.2.2 (single-cycle search)"},
    {"am_read_cycles", &HardwareParams::am_read_cycles, 0, 1e6,
     "assumption: one crossbar row read after the CAM match"},
    {"cam_write_cycles_per_row", &HardwareParams::cam_write_cycles_per_row, 0, 1e6,
     "assumption: one CAM row written per cycle (pooling, Sec 4.2.1)"},
    {"ndcam_search_energy_j", &HardwareParams::ndcam_search_energy_j, 0.0, 1e-3,
     "Sec 4.2.2 (4x4 max pooling, 920 fJ)"},
    {"transfer_cycles_per_bit", &HardwareParams::transfer_cycles_per_bit, 0, 1e6,
     "Sec 4.3 (bit-serial transfer)"},
    {"inter_tile_bits_per_cycle", &HardwareParams::inter_tile_bits_per_cycle, 1, 1e9,
     "assumption: 128-bit link into each tile from the other tiles of its chip (Sec 4.3 gives none)"},
    {"inter_chip_bits_per_cycle", &HardwareParams::inter_chip_bits_per_cycle, 1, 1e9,
     "assumption: 16-bit link into each tile from other chips (Sec 4.3 gives none)"},
    {"inter_tile_energy_j_per_bit", &HardwareParams::inter_tile_energy_j_per_bit, 0.0, 1e-6,
     "assumption: 0.1 pJ/bit on-chip wire"},
    {"inter_chip_energy_j_per_bit", &HardwareParams::inter_chip_energy_j_per_bit, 0.0, 1e-6,
     "assumption: 10 pJ/bit off-chip link"},
};

}  // namespace

std::vector<ParamInfo> describe(const HardwareParams& p) {
  std::vector<ParamInfo> out;
  for (const auto& s : kSpecs) out.push_back({s.key, p.*(s.member), s.min, s.max, s.source});
  return out;
}

namespace {
struct Violation {
  std::string key;
  std::string message;
};

// The first parameter that breaks a range or a relation, or an empty key when all are fine.
Violation find_violation(const HardwareParams& p) {
  for (const auto& s : kSpecs) {
    const double v = p.*(s.member);
    if (!(std::isfinite(v) && v >= s.min && v <= s.max))
      return {s.key, fmt::format("expected a number in [{}, {}], got {}", s.min, s.max, v)};
  }
  for (const char* key : {"counter_bits", "adder_bits", "rnas_per_tile", "tiles_per_chip"}) {
    for (const auto& s : kSpecs) {
      if (std::string_view(s.key) != key) continue;
      const double v = p.*(s.member);
      if (v != std::floor(v)) return {key, fmt::format("expected a whole number, got {}", v)};
    }
  }
  if (std::find(std::begin(kCsaStageRules), std::end(kCsaStageRules), p.csa_stages) == std::end(kCsaStageRules))
    return {"csa_stages", fmt::format("expected \"rounds\" or \"paper\", got \"{}\"", p.csa_stages)};
  if (p.adder_bits < p.counter_bits)
    return {"adder_bits", fmt::format("adder_bits ({} bit) must be at least counter_bits ({} bit): a "
                                      "count is shifted into an adder word",
                                      p.adder_bits, p.counter_bits)};
  return {};
}
}  // namespace

HardwareParams load_hardware_params(ConfigNode& node) {
  HardwareParams p;
  for (const auto& s : kSpecs) p.*(s.member) = node.get_double(s.key, p.*(s.member), s.min, s.max);
  p.csa_stages = node.get_choice("csa_stages", p.csa_stages, {kCsaStageRules[0], kCsaStageRules[1]});
  const Violation v = find_violation(p);
  if (!v.key.empty()) node.fail(v.key, v.message);
  return p;
}

void validate(const HardwareParams& p) {
  const Violation v = find_violation(p);
  RAPIDNN_THROW_IF_NOT(v.key.empty(), InvalidArgument, "hardware parameter {}: {}", v.key, v.message);
}

}  // namespace rapidnn::accel
