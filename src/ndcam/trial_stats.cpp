#include "ndcam/trial_stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace rapidnn::ndcam {

TrialStats::TrialStats()
    : error_hist(kErrorBins, 0),
      ideal_error_hist(kErrorBins, 0),
      rank_offset_hist(kRankOffsetBins, 0),
      margin_rel_hist(kMarginBins, 0),
      margin_ps_hist(kMarginBins, 0) {}

int TrialStats::error_bin(std::uint64_t excess) {
  return std::min(kErrorBins - 1, static_cast<int>(std::bit_width(excess)));
}

int TrialStats::rank_offset_bin(std::int64_t offset) {
  if (offset < -kRankOffsetMax) return kRankOffsetBins - 2;
  if (offset > kRankOffsetMax) return kRankOffsetBins - 1;
  return static_cast<int>(offset + kRankOffsetMax);
}

int TrialStats::margin_bin(double value) {
  // Bin 0: value < 10^min (incl. 0); bins 1..: log-spaced; last: >= 10^max.
  if (!(value >= std::pow(10.0, kMarginLog10Min))) return 0;
  if (value >= std::pow(10.0, kMarginLog10Max)) return kMarginBins - 1;
  const double pos = (std::log10(value) - kMarginLog10Min) * kMarginBinsPerDecade;
  return std::clamp(1 + static_cast<int>(std::floor(pos)), 1, kMarginBins - 2);
}

std::vector<double> TrialStats::margin_bin_edges() {
  std::vector<double> edges{0.0};
  for (int i = 0; i <= kMarginBins - 2; ++i)
    edges.push_back(std::pow(10.0, kMarginLog10Min + static_cast<double>(i) / kMarginBinsPerDecade));
  edges.push_back(std::numeric_limits<double>::infinity());
  return edges;
}

void TrialStats::add(const TrialOutcome& t) {
  ++trials;
  correct += t.correct;
  ideal_correct += t.ideal_correct;
  agrees_with_ideal += t.agrees_with_ideal;
  hamming_correct += t.hamming_correct;
  min_xor_correct += t.min_xor_correct;
  variation_errors += (t.ideal_correct && !t.correct);
  variation_fixes += (!t.ideal_correct && t.correct);
  timed_out_stages += static_cast<std::uint64_t>(t.stages_timed_out);
  discharged_lines += static_cast<std::uint64_t>(t.discharged_lines);
  sum_excess_lsb += t.excess_lsb;
  sum_ideal_excess_lsb += t.ideal_excess_lsb;
  const auto latency_fs = static_cast<std::uint64_t>(std::llround(t.latency_s * 1e15));
  const auto energy_aj = static_cast<std::uint64_t>(std::llround(t.energy_j * 1e18));
  sum_latency_fs += latency_fs;
  sum_energy_aj += energy_aj;
  max_latency_fs = std::max(max_latency_fs, latency_fs);
  min_latency_fs = std::min(min_latency_fs, latency_fs);
  max_energy_aj = std::max(max_energy_aj, energy_aj);
  min_energy_aj = std::min(min_energy_aj, energy_aj);
  ++error_hist[static_cast<std::size_t>(error_bin(t.excess_lsb))];
  ++ideal_error_hist[static_cast<std::size_t>(error_bin(t.ideal_excess_lsb))];
  ++rank_offset_hist[static_cast<std::size_t>(rank_offset_bin(t.rank_offset))];
  if (t.has_margin) {
    ++with_margin;
    ++margin_rel_hist[static_cast<std::size_t>(margin_bin(t.margin_rel))];
    ++margin_ps_hist[static_cast<std::size_t>(margin_bin(t.margin_s * 1e12))];
  }
}

std::vector<std::uint64_t> TrialStats::additive_counters() const {
  std::vector<std::uint64_t> v{trials,          correct,          ideal_correct,
                               agrees_with_ideal, hamming_correct, min_xor_correct, variation_errors,
                               variation_fixes, with_margin,      timed_out_stages,
                               discharged_lines, sum_excess_lsb,  sum_ideal_excess_lsb,
                               sum_latency_fs,  sum_energy_aj};
  for (const auto* h : {&error_hist, &ideal_error_hist, &rank_offset_hist, &margin_rel_hist,
                        &margin_ps_hist})
    v.insert(v.end(), h->begin(), h->end());
  return v;
}

void TrialStats::set_additive_counters(const std::vector<std::uint64_t>& v) {
  const std::size_t expected = additive_counters().size();
  RAPIDNN_THROW_IF_NOT(v.size() == expected, InvalidArgument,
                       "ndcam: TrialStats needs {} counters, got {}", expected, v.size());
  std::size_t i = 0;
  for (std::uint64_t* f : {&trials, &correct, &ideal_correct, &agrees_with_ideal, &hamming_correct, &min_xor_correct,
                           &variation_errors, &variation_fixes, &with_margin, &timed_out_stages,
                           &discharged_lines, &sum_excess_lsb, &sum_ideal_excess_lsb,
                           &sum_latency_fs, &sum_energy_aj})
    *f = v[i++];
  for (auto* h : {&error_hist, &ideal_error_hist, &rank_offset_hist, &margin_rel_hist,
                  &margin_ps_hist})
    for (auto& x : *h) x = v[i++];
}

std::array<std::uint64_t, 4> TrialStats::max_counters() const {
  return {max_latency_fs, max_energy_aj, ~min_latency_fs, ~min_energy_aj};
}

void TrialStats::set_max_counters(const std::array<std::uint64_t, 4>& v) {
  max_latency_fs = v[0];
  max_energy_aj = v[1];
  min_latency_fs = ~v[2];
  min_energy_aj = ~v[3];
}

void TrialStats::merge(const TrialStats& other) {
  auto a = additive_counters();
  const auto b = other.additive_counters();
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  set_additive_counters(a);
  auto m = max_counters();
  const auto n = other.max_counters();
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = std::max(m[i], n[i]);
  set_max_counters(m);
}

}  // namespace rapidnn::ndcam
