#include "ndcam/circuit_params.hpp"

#include "core/error.hpp"

namespace rapidnn::ndcam {

void CircuitParams::validate() const {
  RAPIDNN_THROW_IF_NOT(vdd_v > 0.0, InvalidArgument, "ndcam: vdd_v must be > 0, got {}", vdd_v);
  RAPIDNN_THROW_IF_NOT(vth_v >= 0.0 && vth_v < vdd_v, InvalidArgument,
                       "ndcam: vth_v must be in [0, vdd_v={}), got {}", vdd_v, vth_v);
  RAPIDNN_THROW_IF_NOT(alpha >= 1.0 && alpha <= 2.0, InvalidArgument,
                       "ndcam: alpha must be in [1, 2], got {}", alpha);
  RAPIDNN_THROW_IF_NOT(k_a_per_valpha > 0.0, InvalidArgument,
                       "ndcam: k_a_per_valpha must be > 0, got {}", k_a_per_valpha);
  RAPIDNN_THROW_IF_NOT(unit_w_over_l > 0.0, InvalidArgument,
                       "ndcam: unit_w_over_l must be > 0, got {}", unit_w_over_l);
  RAPIDNN_THROW_IF_NOT(sense_fraction > 0.0 && sense_fraction < 1.0, InvalidArgument,
                       "ndcam: sense_fraction must be in (0, 1), got {}", sense_fraction);
  RAPIDNN_THROW_IF_NOT(c_ml_fixed_f >= 0.0 && c_ml_per_unit_width_f >= 0.0 &&
                           c_ml_fixed_f + c_ml_per_unit_width_f > 0.0,
                       InvalidArgument,
                       "ndcam: match-line capacitances must be >= 0 and not both 0, got "
                       "c_ml_fixed_f={} c_ml_per_unit_width_f={}",
                       c_ml_fixed_f, c_ml_per_unit_width_f);
  RAPIDNN_THROW_IF_NOT(t_precharge_s >= 0.0 && t_sense_s >= 0.0 && sense_resolution_s >= 0.0,
                       InvalidArgument,
                       "ndcam: times must be >= 0, got t_precharge_s={} t_sense_s={} "
                       "sense_resolution_s={}",
                       t_precharge_s, t_sense_s, sense_resolution_s);
  RAPIDNN_THROW_IF_NOT(timeout_factor >= 1.0, InvalidArgument,
                       "ndcam: timeout_factor must be >= 1, got {}", timeout_factor);
  RAPIDNN_THROW_IF_NOT(sigma_w >= 0.0 && sigma_w <= 0.5 && sigma_vth >= 0.0 && sigma_vth <= 0.5,
                       InvalidArgument,
                       "ndcam: sigma_w and sigma_vth must be in [0, 0.5], got {} and {}", sigma_w,
                       sigma_vth);
}

}  // namespace rapidnn::ndcam
