#pragma once
// Calibration of the two free circuit constants against the paper's one published NDCAM data
// point (Sec. 4.2.2): a 4x4 max pooling (16 rows of 32-bit values, searched for the largest
// value in 4 stages of 8 bits) takes 0.5 ns and 920 fJ.
//   energy  E = Vdd^2 sum_s N_s (c_fixed + c_unit U_s)  -> linear in c_unit (N_s = discharged
//           lines in stage s, U_s = sum of cell widths)           => solve for c_unit
//   latency T = S (t_precharge + t_sense) + sum_s t_first,s, with t_first,s proportional to C_s / k
//                                                                 => solve for k
// Both means are taken over `trials` nominal (sigma = 0) max-pool searches of uniform random
// values; the two solves are repeated until both land within `tolerance` (the candidate counts
// depend weakly on the constants through the sense resolution).
#include <cstdint>

#include "ndcam/circuit_params.hpp"

namespace rapidnn::ndcam {

struct CalibrationTarget {
  double latency_s = 0.5e-9;  ///< paper Sec. 4.2.2, 4x4 max pooling
  double energy_j = 920e-15;  ///< paper Sec. 4.2.2, 4x4 max pooling
  int rows = 16;              ///< 4 x 4 pooling window
  int value_bits = 32;
  int bits_per_stage = 8;
  std::uint32_t trials = 20000;  ///< the latency mean has a long tail (slow single-candidate stages)
  std::uint64_t seed = 20180101;
  double tolerance = 1e-4;
};

struct MaxPoolCost {
  double latency_s = 0.0;
  double energy_j = 0.0;
  double discharged_lines = 0.0;  ///< mean over trials, summed over stages
};

/// Mean nominal cost of the target's max-pool search with `params` (sigma forced to 0).
MaxPoolCost max_pool_cost(const CircuitParams& params, const CalibrationTarget& target);

struct CalibrationResult {
  CircuitParams params;  ///< input with k_a_per_valpha and c_ml_per_unit_width_f solved
  MaxPoolCost achieved;
  int iterations = 0;
};

/// Throws InvalidArgument when the fixed parts alone exceed a target (no positive solution).
CalibrationResult calibrate(const CircuitParams& start, const CalibrationTarget& target);

}  // namespace rapidnn::ndcam
