#include "ndcam/monte_carlo.hpp"

#include "core/error.hpp"
#include "core/rng.hpp"
#include "ndcam/nearest.hpp"

namespace rapidnn::ndcam {

namespace {
CircuitParams without_variation(CircuitParams p) {
  p.sigma_w = 0.0;
  p.sigma_vth = 0.0;
  return p;
}
}  // namespace

TrialRunner::TrialRunner(const TrialSpec& spec)
    : spec_(spec),
      ndcam_(spec.params, StageLayout(spec.workload.value_bits, spec.bits_per_stage, CellWeighting::kBinary)),
      ideal_(without_variation(spec.params),
             StageLayout(spec.workload.value_bits, spec.bits_per_stage, CellWeighting::kBinary)),
      hamming_(spec.params, StageLayout(spec.workload.value_bits, spec.workload.value_bits,
                                        CellWeighting::kUniform)),
      varied_(spec.params.sigma_w > 0.0 || spec.params.sigma_vth > 0.0) {
  spec_.workload.validate();
}

TrialOutcome TrialRunner::run(std::uint32_t trial) {
  CounterRng rng(spec_.seed, RngDomain::kMonteCarlo,
                 (static_cast<std::uint64_t>(spec_.stream) << 32) | trial);
  draw_table(spec_.workload, rng, table_);
  query_ = draw_query(spec_.workload, table_, rng);
  const std::size_t cells = table_.size() * static_cast<std::size_t>(spec_.workload.value_bits);
  TransistorDeviates dev;
  if (varied_) {  // drawn last, so skipping them at sigma = 0 leaves the rest of the stream alone
    z_w_.resize(cells);
    z_vth_.resize(cells);
    for (std::size_t i = 0; i < cells; ++i) {
      z_w_[i] = rng.normal();
      z_vth_[i] = rng.normal();
    }
    dev = TransistorDeviates{z_w_, z_vth_};
  }

  const SearchResult varied = ndcam_.search(table_, query_, dev, scratch_);
  const std::uint32_t returned = table_[varied.winner_row];
  const std::uint32_t ideal_returned =
      varied_ ? table_[ideal_.search(table_, query_, {}, scratch_).winner_row] : returned;
  const std::uint64_t nearest = nearest_absolute_distance(table_, query_);

  TrialOutcome out;
  out.excess_lsb = abs_distance(returned, query_) - nearest;
  out.ideal_excess_lsb = abs_distance(ideal_returned, query_) - nearest;
  out.correct = out.excess_lsb == 0;
  out.ideal_correct = out.ideal_excess_lsb == 0;
  out.agrees_with_ideal = returned == ideal_returned;
  out.min_xor_correct = abs_distance(table_[min_xor_row(table_, query_)], query_) == nearest;
  out.rank_offset = out.correct ? 0 : rank_offset(table_, query_, returned);
  if (spec_.hamming_baseline) {
    const std::uint32_t hd_row = hamming_.search(table_, query_, dev, scratch_).winner_row;
    out.hamming_correct = abs_distance(table_[hd_row], query_) == nearest;
  }
  out.latency_s = varied.latency_s;
  out.energy_j = varied.energy_j;
  out.discharged_lines = varied.discharged_lines;
  out.stages_timed_out = varied.stages_timed_out;
  out.has_margin = varied.has_margin;
  out.margin_rel = varied.margin_rel;
  out.margin_s = varied.margin_s;
  return out;
}

TrialStats TrialRunner::run_range(std::uint64_t begin, std::uint64_t end) {
  RAPIDNN_THROW_IF_NOT(begin <= end && end <= (std::uint64_t{1} << 32), InvalidArgument,
                       "ndcam: trial range [{}, {}) must lie in [0, 2^32)", begin, end);
  TrialStats stats;
  for (std::uint64_t t = begin; t < end; ++t) stats.add(run(static_cast<std::uint32_t>(t)));
  return stats;
}

}  // namespace rapidnn::ndcam
