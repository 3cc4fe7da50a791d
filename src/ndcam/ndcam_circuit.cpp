#include "ndcam/ndcam_circuit.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::ndcam {

NdcamCircuit::NdcamCircuit(const CircuitParams& params, const StageLayout& layout)
    : params_(params), layout_(layout) {
  params_.validate();
  nominal_overdrive_pow_ = std::pow(params_.vdd_v - params_.vth_v, params_.alpha);
  for (int s = 0; s < layout_.stage_count(); ++s) {
    capacitance_f_.push_back(params_.c_ml_fixed_f +
                             params_.c_ml_per_unit_width_f * layout_.stage_width_units(s));
    // Slowest line that can discharge in the nominal circuit: only its LSB cell (1 unit) matches.
    timeout_s_.push_back(params_.timeout_factor *
                         discharge_time_s(params_.unit_current_a(), s));
  }
}

double NdcamCircuit::match_line_capacitance_f(int s) const {
  RAPIDNN_ASSERT(s >= 0 && s < layout_.stage_count());
  return capacitance_f_[static_cast<std::size_t>(s)];
}

double NdcamCircuit::timeout_s(int s) const {
  RAPIDNN_ASSERT(s >= 0 && s < layout_.stage_count());
  return timeout_s_[static_cast<std::size_t>(s)];
}

double NdcamCircuit::cell_current_a(double width_units, double z_w, double z_vth) const {
  const double area = params_.pelgrom_area_scaling ? 1.0 / std::sqrt(width_units) : 1.0;
  const double sigma_w = params_.sigma_w * area, sigma_vth = params_.sigma_vth * area;
  const double width_factor = std::max(0.0, 1.0 + sigma_w * z_w);
  const double overdrive = params_.vdd_v - params_.vth_v * (1.0 + sigma_vth * z_vth);
  if (overdrive <= 0.0 || width_factor <= 0.0) return 0.0;  // transistor off (sub-threshold ignored)
  const double od_pow = sigma_vth * z_vth == 0.0 ? nominal_overdrive_pow_ : std::pow(overdrive, params_.alpha);
  return params_.k_a_per_valpha * params_.unit_w_over_l * width_units * width_factor * od_pow;
}

double NdcamCircuit::discharge_time_s(double line_current_a, int s) const {
  if (line_current_a <= 0.0) return std::numeric_limits<double>::infinity();
  // Called from the constructor while capacitance_f_ is being filled, hence the direct formula.
  const double c =
      params_.c_ml_fixed_f + params_.c_ml_per_unit_width_f * layout_.stage_width_units(s);
  return c * params_.sense_swing_v() / line_current_a;
}

SearchResult NdcamCircuit::search(std::span<const std::uint32_t> table, std::uint32_t query,
                                  const TransistorDeviates& dev, SearchScratch& scratch) const {
  const std::size_t rows = table.size();
  const int n = layout_.value_bits();
  RAPIDNN_THROW_IF_NOT(rows >= 1, InvalidArgument, "ndcam: search needs at least one row, got 0");
  RAPIDNN_THROW_IF_NOT(query <= layout_.max_value(), InvalidArgument,
                       "ndcam: query {} does not fit in value_bits={}", query, n);
  const bool nominal = dev.z_w.empty() && dev.z_vth.empty();
  RAPIDNN_THROW_IF_NOT(nominal || (dev.z_w.size() == rows * static_cast<std::size_t>(n) &&
                                   dev.z_vth.size() == rows * static_cast<std::size_t>(n)),
                       InvalidArgument,
                       "ndcam: deviates must hold rows*value_bits={} values each, got {} and {}",
                       rows * static_cast<std::size_t>(n), dev.z_w.size(), dev.z_vth.size());

  SearchResult result;
  auto& cand = scratch.candidates;
  cand.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) cand[r] = static_cast<std::uint32_t>(r);
  const double inf = std::numeric_limits<double>::infinity();
  const double vdd2 = params_.vdd_v * params_.vdd_v;
  const double unit_current = params_.unit_current_a();

  for (int s = 0; s < layout_.stage_count(); ++s) {
    const Stage st = layout_.stage(s);
    const std::uint32_t mask = static_cast<std::uint32_t>((std::uint64_t{1} << st.width) - 1);
    const std::uint32_t qbits = layout_.stage_bits(query, s);
    const double timeout = timeout_s_[static_cast<std::size_t>(s)];
    scratch.times_s.resize(cand.size());
    double t_first = inf;
    std::size_t first = 0;
    int discharged = 0;
    for (std::size_t i = 0; i < cand.size(); ++i) {
      const std::uint32_t r = cand[i];
      // Inverse cell: a cell whose stored bit equals the search bit discharges the line.
      const std::uint32_t match = ~(layout_.stage_bits(table[r], s) ^ qbits) & mask;
      double current = 0.0;
      if (nominal) {
        double units = 0.0;
        for (int j = 0; j < st.width; ++j)
          if ((match >> j) & 1u) units += layout_.cell_width_units(j);
        current = units * unit_current;
      } else {
        const std::size_t base = static_cast<std::size_t>(r) * static_cast<std::size_t>(n) +
                                 static_cast<std::size_t>(st.lsb);
        for (int j = 0; j < st.width; ++j)
          if ((match >> j) & 1u)
            current += cell_current_a(layout_.cell_width_units(j), dev.z_w[base + j],
                                      dev.z_vth[base + j]);
      }
      if (current > 0.0) ++discharged;
      double t = discharge_time_s(current, s);
      if (t > timeout) t = inf;
      scratch.times_s[i] = t;
      if (t < t_first) {
        t_first = t;
        first = i;
      }
    }
    result.discharged_lines += discharged;
    result.energy_j += discharged * capacitance_f_[static_cast<std::size_t>(s)] * vdd2;
    result.latency_s += params_.t_precharge_s + params_.t_sense_s + std::min(t_first, timeout);
    if (t_first == inf) {  // nothing fired: the stage cannot narrow the candidates
      ++result.stages_timed_out;
      continue;
    }
    // Timing margin against the first line that stores different stage bits.
    const std::uint32_t first_bits = layout_.stage_bits(table[cand[first]], s);
    double t_runner = inf;
    for (std::size_t i = 0; i < cand.size(); ++i)
      if (layout_.stage_bits(table[cand[i]], s) != first_bits)
        t_runner = std::min(t_runner, scratch.times_s[i]);
    if (t_runner != inf) {
      const double rel = (t_runner - t_first) / t_first;
      if (!result.has_margin || rel < result.margin_rel) {
        result.margin_rel = rel;
        result.margin_s = t_runner - t_first;
      }
      result.has_margin = true;
    }
    // Lines the sense amplifier cannot separate from the first one stay candidates.
    const double window = t_first + params_.sense_resolution_s;
    scratch.next.clear();
    for (std::size_t i = 0; i < cand.size(); ++i)
      if (scratch.times_s[i] <= window) scratch.next.push_back(cand[i]);
    std::swap(cand, scratch.next);
  }
  result.winner_row = cand.front();  // priority encoder: lowest remaining row index
  return result;
}

}  // namespace rapidnn::ndcam
