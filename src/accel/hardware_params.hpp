#pragma once
// Every number of the RAPIDNN hardware model, with its unit (in the key name) and its source.
// Defaults are the paper's Table 1 (RNA, tile, chip) and Sections 4.1-4.3; where the paper is
// silent the value is marked "assumption" and named in the report when it drives a difference.
#include <string>
#include <string_view>
#include <vector>

namespace rapidnn {
class ConfigNode;
}

namespace rapidnn::accel {

/// Physical and timing parameters of RNA blocks, tiles and chips.
/// Table sizes (crossbar rows, counters, AM rows) are given at a reference size; a block whose
/// table is larger or smaller scales its area and power linearly in rows (see rna_block.hpp).
struct HardwareParams {
  // --- RNA block, Table 1 (reference sizes) ---
  double crossbar_area_um2 = 3136.0;     // Table 1: crossbar 1K*1K
  double crossbar_power_w = 3.7e-3;      // Table 1
  double crossbar_ref_products = 1024;   // 1K rows: one row per stored product w*u (Sec 3.3, Table 1)
  double counter_area_um2 = 538.6;       // Table 1: 1k x 12-bit counters
  double counter_power_w = 0.7e-3;       // Table 1
  double counter_ref_count = 1024;       // Table 1: 1k counters, one per product (Sec 4.1)
  double counter_bits = 12;              // Table 1: 12-bit counters
  double activation_am_area_um2 = 83.2;  // Table 1: activation AM, 64 rows
  double activation_am_power_w = 0.2e-3; // Table 1
  double activation_am_ref_rows = 64;    // Table 1 / Sec 5.3 (q = 64)
  double encoder_am_area_um2 = 83.2;     // Table 1: encoder AM, 64 rows
  double encoder_am_power_w = 0.2e-3;    // Table 1
  double encoder_am_ref_rows = 64;       // Table 1 (u = 64 rows)
  double table_power_exponent = 1.0;     // assumption: block power ~ (rows / reference rows)^x;
                                         // 1 = every table row draws power, 0 = Table 1 power as is
  double rna_other_area_um2 = 0.0;       // Table 1 lists no other RNA circuit (sum = 3,841 um2)
  double rna_other_power_w = 0.0;        // Table 1 (sum = 4.8 mW)
  // --- tile and chip, Table 1 ---
  double rnas_per_tile = 1000;           // Table 1 "1k RNAs": 1000 x 3,841 um2 = 3.84 mm2
  double buffer_area_um2 = 37600;        // Table 1 prints 37.6 um2; 3.88 - 3.84 mm2 needs 37.6e3 um2
  double buffer_power_w = 2.8e-3;        // Table 1
  double tiles_per_chip = 32;            // Table 1, Sec 5.1
  // --- timing (Sec 4.1-4.3) ---
  double clock_hz = 1.0e9;               // assumption: 1 ns cycle (NDCAM search 0.5 ns, Sec 4.2.2)
  double adder_bits = 32;                // Sec 4.2.2: 32-bit values; N in 13N (Sec 4.1.2)
  double csa_stage_cycles = 13;          // Sec 4.1.2: each carry-save stage takes 13 cycles
  double carry_cycles_per_bit = 13;      // Sec 4.1.2: final carry propagation 13N cycles
  double ndcam_bits_per_stage = 8;       // Sec 4.2.2: 8-bit CAM stages, 32 bits = 4 stages
  double ndcam_cycles_per_stage = 1;     // Sec 4.2.2: single-cycle search per stage
  double am_read_cycles = 1;             // assumption: one crossbar row read after the CAM match
  double cam_write_cycles_per_row = 1;   // assumption: pooling writes one CAM row per cycle
  double ndcam_search_energy_j = 920e-15;// Sec 4.2.2: 4x4 max pooling search, 920 fJ
  double transfer_cycles_per_bit = 1;    // Sec 4.3: bit-serial transfer RNA -> buffer
  // --- carry-save tree rule (Sec 4.1.2) ---
  // "rounds": 3:2 rounds over the M shifted operands actually produced (m -> m - floor(m/3));
  // "paper":  ceil(log_{3/2}(w*u)) stages, the paper's count for w*u stored products.
  std::string csa_stages = "rounds";
  // --- transfers between tiles and chips (Sec 4.3 names the buffer, not the links) ---
  double inter_tile_bits_per_cycle = 128;       // assumption: one 128-bit on-chip link into each tile
  double inter_chip_bits_per_cycle = 16;        // assumption: a 16-bit chip-to-chip link into each tile
  double inter_tile_energy_j_per_bit = 0.1e-12; // assumption: ~0.1 pJ/bit on-chip wire
  double inter_chip_energy_j_per_bit = 10e-12;  // assumption: ~10 pJ/bit off-chip SerDes
};

/// Describes one parameter: its config key, unit and source (for the report and result files).
struct ParamInfo {
  std::string key;
  double value;
  double min;
  double max;
  std::string source;
};

/// Every parameter of `p` with its key, range and source, in a fixed order.
std::vector<ParamInfo> describe(const HardwareParams& p);

/// The carry-save rules accepted by `csa_stages`.
inline constexpr std::string_view kCsaStageRules[] = {"rounds", "paper"};

/// Reads the parameters from a config table; absent keys keep the defaults above.
/// Out-of-range values are ConfigErrors naming the key (whose name carries the unit).
HardwareParams load_hardware_params(ConfigNode& node);

/// Checks relations between parameters (e.g. counter width versus reference sizes).
void validate(const HardwareParams& p);

}  // namespace rapidnn::accel
