#include "ndcam/calibration.hpp"

#include <cmath>

#include "core/error.hpp"
#include "ndcam/monte_carlo.hpp"

namespace rapidnn::ndcam {

MaxPoolCost max_pool_cost(const CircuitParams& params, const CalibrationTarget& target) {
  TrialSpec spec;
  spec.workload.distribution = ValueDistribution::kUniform;
  spec.workload.rows = target.rows;
  spec.workload.value_bits = target.value_bits;
  spec.workload.max_query = true;
  spec.params = params;
  spec.params.sigma_w = 0.0;
  spec.params.sigma_vth = 0.0;
  spec.bits_per_stage = target.bits_per_stage;
  spec.seed = target.seed;
  spec.hamming_baseline = false;
  TrialRunner runner(spec);
  const TrialStats stats = runner.run_range(0, target.trials);
  return MaxPoolCost{stats.mean_latency_s(), stats.mean_energy_j(),
                     static_cast<double>(stats.discharged_lines) / static_cast<double>(stats.trials)};
}

CalibrationResult calibrate(const CircuitParams& start, const CalibrationTarget& target) {
  start.validate();
  RAPIDNN_THROW_IF_NOT(target.trials >= 1, InvalidArgument, "ndcam: calibration needs trials >= 1");
  const int stages = (target.value_bits + target.bits_per_stage - 1) / target.bits_per_stage;
  const double overhead_s = stages * (start.t_precharge_s + start.t_sense_s);
  RAPIDNN_THROW_IF_NOT(target.latency_s > overhead_s, InvalidArgument,
                       "ndcam: target latency {} s is not above the fixed precharge+sense time {} s",
                       target.latency_s, overhead_s);
  CalibrationResult result;
  result.params = start;
  const double vdd2 = start.vdd_v * start.vdd_v;
  // Width units of the most significant stage (all stages but a remainder stage have it).
  const double units =
      StageLayout(target.value_bits, target.bits_per_stage, CellWeighting::kBinary).stage_width_units(0);
  for (result.iterations = 1; result.iterations <= 50; ++result.iterations) {
    const MaxPoolCost cost = max_pool_cost(result.params, target);
    result.achieved = cost;
    const bool done = std::fabs(cost.energy_j / target.energy_j - 1.0) < target.tolerance &&
                      std::fabs(cost.latency_s / target.latency_s - 1.0) < target.tolerance;
    if (done) break;
    // Energy: E = E_fixed + (E - E_fixed) * c_unit_new / c_unit with the line counts held.
    const double e_fixed = vdd2 * result.params.c_ml_fixed_f * cost.discharged_lines;
    RAPIDNN_THROW_IF_NOT(target.energy_j > e_fixed, InvalidArgument,
                         "ndcam: target energy {} J is below the fixed-capacitance energy {} J",
                         target.energy_j, e_fixed);
    const double old_c = result.params.c_ml_per_unit_width_f;
    const double new_c = old_c * (target.energy_j - e_fixed) / (cost.energy_j - e_fixed);
    // Latency: the discharge part scales with C / k; C changed by new_c/old_c (approximately:
    // the fixed part does not scale), then k absorbs the rest.
    const double c_ratio = (start.c_ml_fixed_f + new_c * units) / (start.c_ml_fixed_f + old_c * units);
    const double discharge_s = (cost.latency_s - overhead_s) * c_ratio;
    result.params.c_ml_per_unit_width_f = new_c;
    result.params.k_a_per_valpha *= discharge_s / (target.latency_s - overhead_s);
  }
  RAPIDNN_THROW_IF_NOT(result.iterations <= 50, InvalidArgument,
                       "ndcam: calibration did not converge in 50 iterations (latency {} s, energy {} J)",
                       result.achieved.latency_s, result.achieved.energy_j);
  return result;
}

}  // namespace rapidnn::ndcam
