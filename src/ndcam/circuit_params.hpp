#pragma once
// Electrical parameters of the behavioural NDCAM model (paper Sec. 4.2.2, Fig. 8). Every symbol
// below appears in the equations of README.md; defaults are 45 nm-like values with the two
// free constants (current factor, drain capacitance) calibrated by calibration.hpp so that the
// 4x4 max-pooling search lands on the paper's 0.5 ns / 920 fJ.
#include <cmath>

namespace rapidnn::ndcam {

struct CircuitParams {
  double vdd_v = 1.0;               ///< supply = match-line precharge voltage
  double vth_v = 0.4;               ///< nominal access-transistor threshold voltage
  double alpha = 1.3;               ///< alpha-power-law velocity-saturation index (Sakurai-Newton)
  /// Current factor k in I = k * (W/L) * (Vgs - Vth)^alpha (calibrated, A / V^alpha).
  double k_a_per_valpha = 5.21e-6;
  double unit_w_over_l = 2.0;       ///< W/L of the LSB access transistor (90 nm / 45 nm)
  /// The sense amplifier trips when the match line has fallen to sense_fraction * vdd.
  double sense_fraction = 0.5;
  double c_ml_fixed_f = 2.0e-15;    ///< match-line wire + sense-amplifier input capacitance (F)
  /// Drain capacitance added per unit (LSB-sized) access-transistor width (calibrated, F).
  double c_ml_per_unit_width_f = 0.175e-15;
  double t_precharge_s = 20e-12;    ///< per-stage match-line precharge time
  double t_sense_s = 10e-12;        ///< per-stage sense-amplifier latch + candidate hand-off time
  /// Two match lines crossing the threshold less than this apart cannot be told apart: both
  /// stay candidates (the last stage's priority encoder then takes the lower row index).
  double sense_resolution_s = 1e-12;
  /// A stage stops waiting after timeout_factor x the nominal discharge time of a line with only
  /// its LSB cell matching (the slowest line that can discharge at all when sigma = 0).
  double timeout_factor = 2.0;
  double sigma_w = 0.10;            ///< relative std. deviation of each transistor's width
  double sigma_vth = 0.10;          ///< relative std. deviation of each transistor's Vth
  /// Pelgrom area scaling (Pelgrom et al., IEEE JSSC 24(5), 1989: sigma(dVth) = A_Vt / sqrt(W L)):
  /// when true, sigma_w and sigma_vth are those of the unit (LSB) transistor and a cell n units
  /// wide (same L) gets sigma / sqrt(n), so the wide MSB cells of a binary-weighted stage vary
  /// less. False (default, the model): every transistor has the same relative sigma.
  bool pelgrom_area_scaling = false;

  /// Throws InvalidArgument naming the offending value.
  void validate() const;

  /// Voltage the match line must fall by before the sense amplifier trips.
  double sense_swing_v() const { return vdd_v * (1.0 - sense_fraction); }
  /// Nominal drain current of a unit-width (LSB) access transistor.
  double unit_current_a() const {
    return k_a_per_valpha * unit_w_over_l * std::pow(vdd_v - vth_v, alpha);
  }
};

}  // namespace rapidnn::ndcam
