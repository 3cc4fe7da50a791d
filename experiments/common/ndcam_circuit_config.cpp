#include "common/ndcam_circuit_config.hpp"

#include "core/error.hpp"

namespace rapidnn::experiments {

ndcam::CircuitParams parse_ndcam_circuit(ConfigNode& parent) {
  auto c = parent.child("circuit");
  const ndcam::CircuitParams d;
  ndcam::CircuitParams p;
  p.vdd_v = c.get_double("vdd_v", d.vdd_v, 0.1, 5.0);
  p.vth_v = c.get_double("vth_v", d.vth_v, 0.0, 5.0);
  p.alpha = c.get_double("alpha", d.alpha, 1.0, 2.0);
  p.k_a_per_valpha = c.get_double("k_a_per_valpha", d.k_a_per_valpha, 1e-12, 1.0);
  p.unit_w_over_l = c.get_double("unit_w_over_l", d.unit_w_over_l, 1e-3, 1e3);
  p.sense_fraction = c.get_double("sense_fraction", d.sense_fraction, 0.01, 0.99);
  p.c_ml_fixed_f = c.get_double("c_ml_fixed_f", d.c_ml_fixed_f, 0.0, 1e-9);
  p.c_ml_per_unit_width_f = c.get_double("c_ml_per_unit_width_f", d.c_ml_per_unit_width_f, 0.0, 1e-9);
  p.t_precharge_s = c.get_double("t_precharge_s", d.t_precharge_s, 0.0, 1e-6);
  p.t_sense_s = c.get_double("t_sense_s", d.t_sense_s, 0.0, 1e-6);
  p.timeout_factor = c.get_double("timeout_factor", d.timeout_factor, 1.0, 1e3);
  // "uniform": the same relative sigma for every transistor; "pelgrom": sigma of the unit (LSB)
  // transistor, sigma / sqrt(n) for a cell n units wide (Pelgrom area scaling).
  p.pelgrom_area_scaling = c.get_choice("variation_scaling", "uniform", {"uniform", "pelgrom"}) == "pelgrom";
  try {
    p.validate();
  } catch (const InvalidArgument& e) {
    c.fail("vth_v", e.what());
  }
  return p;
}

}  // namespace rapidnn::experiments
