#pragma once
// Behavioural model of a multi-stage nearest-distance CAM search (paper Sec. 4.2.2, Fig. 8).
// Equations (README.md gives the derivation):
//   cell current   I_rj = k (W_j/L) max(0, 1 + sigma_w z^w_rj) max(0, Vdd - Vth (1 + sigma_vth z^v_rj))^alpha
//                  if bit j of row r matches the query (inverse cell: a match discharges), else 0;
//                  W_j/L = unit_w_over_l * 2^j (binary weighted) or unit_w_over_l (Hamming CAM)
//   line current   I_r = sum_j I_rj                       (all matching cells pull down in parallel)
//   line cap       C_s = c_ml_fixed + c_ml_per_unit_width * sum_j W_j / W_0
//   discharge time t_r = C_s (1 - sense_fraction) Vdd / I_r   (saturated transistors: constant current)
//   winner         the first line to reach the threshold; lines within sense_resolution of it
//                  stay candidates for the next (less significant) stage; after the last stage a
//                  priority encoder returns the lowest candidate row index
//   energy         E = sum over stages of (number of candidate lines with I_r > 0) C_s Vdd^2
//   latency        T = sum over stages of t_precharge + min(t_first, t_timeout) + t_sense
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "ndcam/circuit_params.hpp"
#include "ndcam/stage_layout.hpp"

namespace rapidnn::ndcam {

/// Standard-normal deviates of each access transistor's width and threshold voltage, row-major
/// [row * value_bits + bit]. Both empty = the nominal (variation-free) circuit.
struct TransistorDeviates {
  std::span<const double> z_w;
  std::span<const double> z_vth;
};

struct SearchResult {
  std::uint32_t winner_row = 0;
  double latency_s = 0.0;
  double energy_j = 0.0;
  int discharged_lines = 0;  ///< summed over stages
  int stages_timed_out = 0;  ///< stages in which no candidate line discharged before the timeout
  /// Smallest relative timing margin over the stages, (t_runner_up - t_first) / t_first, where the
  /// runner-up is the first line whose stage bits differ from those of the first line; false when
  /// no stage had such a competitor that discharged.
  bool has_margin = false;
  double margin_rel = std::numeric_limits<double>::infinity();
  double margin_s = std::numeric_limits<double>::infinity();  ///< absolute margin of that stage
};

/// Reusable buffers so a Monte Carlo loop does not allocate per search.
struct SearchScratch {
  std::vector<std::uint32_t> candidates;
  std::vector<std::uint32_t> next;
  std::vector<double> times_s;
};

class NdcamCircuit {
 public:
  NdcamCircuit(const CircuitParams& params, const StageLayout& layout);

  const CircuitParams& params() const { return params_; }
  const StageLayout& layout() const { return layout_; }

  /// C_s of stage s.
  double match_line_capacitance_f(int s) const;
  /// Drain current of one matching cell whose transistor is width_units x the LSB one.
  double cell_current_a(double width_units, double z_w, double z_vth) const;
  /// t = C_s * swing / I (infinity when I <= 0).
  double discharge_time_s(double line_current_a, int s) const;
  /// How long stage s waits for a first discharge.
  double timeout_s(int s) const;

  /// Searches `table` for `query`. `dev` holds table.size() * value_bits deviates per kind, or is
  /// empty for the nominal circuit.
  SearchResult search(std::span<const std::uint32_t> table, std::uint32_t query,
                      const TransistorDeviates& dev, SearchScratch& scratch) const;

 private:
  CircuitParams params_;
  StageLayout layout_;
  std::vector<double> capacitance_f_;  // per stage
  std::vector<double> timeout_s_;      // per stage
  double nominal_overdrive_pow_;       // (Vdd - Vth)^alpha
};

}  // namespace rapidnn::ndcam
