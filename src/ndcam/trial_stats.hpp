#pragma once
// Statistics of many NDCAM Monte Carlo trials, kept in integers only (counts, fixed-bin
// histograms, sums of values quantised to fs / aJ) so that combining partial results is exact
// and order-free: the same trials give bit-identical statistics on 1, 2 or 64 ranks.
#include <array>
#include <cstdint>
#include <vector>

namespace rapidnn::ndcam {

/// What one trial produced (see monte_carlo.hpp for how it is computed).
struct TrialOutcome {
  bool correct = false;            ///< returned value is a nearest one in absolute distance
  bool ideal_correct = false;      ///< ... for the variation-free (sigma = 0) circuit
  bool agrees_with_ideal = false;  ///< same returned value as the variation-free circuit
  bool hamming_correct = false;    ///< Hamming CAM baseline (same variation) returned a nearest value
  /// The min-XOR row (nominal NDCAM with a perfect sense amplifier) holds a nearest value.
  bool min_xor_correct = false;
  std::uint64_t excess_lsb = 0;    ///< |returned - query| - |nearest - query|, in LSBs
  std::uint64_t ideal_excess_lsb = 0;
  std::int64_t rank_offset = 0;    ///< table positions between returned and nearest value
  double latency_s = 0.0;
  double energy_j = 0.0;
  int discharged_lines = 0;
  int stages_timed_out = 0;
  bool has_margin = false;
  double margin_rel = 0.0;
  double margin_s = 0.0;
};

class TrialStats {
 public:
  /// Error histograms: bin 0 = exact; bin b (1..32) = excess with bit width b, i.e. in [2^(b-1), 2^b).
  static constexpr int kErrorBins = 33;
  /// Rank offsets -kRankOffsetMax..kRankOffsetMax, then one bin each for below and above.
  static constexpr int kRankOffsetMax = 32;
  static constexpr int kRankOffsetBins = 2 * kRankOffsetMax + 3;
  /// Margin histograms: log10 bins, kMarginBinsPerDecade per decade from 10^kMarginLog10Min to
  /// 10^kMarginLog10Max, then underflow (incl. 0) and overflow; plus a count of "no competitor".
  static constexpr int kMarginBinsPerDecade = 10;
  static constexpr int kMarginLog10Min = -6;
  static constexpr int kMarginLog10Max = 2;
  static constexpr int kMarginBins = (kMarginLog10Max - kMarginLog10Min) * kMarginBinsPerDecade + 2;

  TrialStats();
  void add(const TrialOutcome& t);
  void merge(const TrialStats& other);

  /// Every additive counter flattened in a fixed order (for an integer sum-reduction) and back.
  std::vector<std::uint64_t> additive_counters() const;
  void set_additive_counters(const std::vector<std::uint64_t>& v);
  /// Extremes as values to max-reduce: [max latency fs, max energy aJ, ~min latency, ~min energy].
  std::array<std::uint64_t, 4> max_counters() const;
  void set_max_counters(const std::array<std::uint64_t, 4>& v);

  bool operator==(const TrialStats& o) const = default;

  std::uint64_t trials = 0;
  std::uint64_t correct = 0;
  std::uint64_t ideal_correct = 0;
  std::uint64_t agrees_with_ideal = 0;
  std::uint64_t hamming_correct = 0;
  std::uint64_t min_xor_correct = 0;
  std::uint64_t variation_errors = 0;  ///< ideal circuit correct, varied circuit wrong
  std::uint64_t variation_fixes = 0;   ///< ideal circuit wrong, varied circuit right by chance
  std::uint64_t with_margin = 0;
  std::uint64_t timed_out_stages = 0;
  std::uint64_t discharged_lines = 0;
  std::uint64_t sum_excess_lsb = 0;
  std::uint64_t sum_ideal_excess_lsb = 0;
  std::uint64_t sum_latency_fs = 0;
  std::uint64_t sum_energy_aj = 0;
  std::uint64_t max_latency_fs = 0;
  std::uint64_t min_latency_fs = UINT64_MAX;
  std::uint64_t max_energy_aj = 0;
  std::uint64_t min_energy_aj = UINT64_MAX;
  std::vector<std::uint64_t> error_hist;        ///< kErrorBins
  std::vector<std::uint64_t> ideal_error_hist;  ///< kErrorBins
  std::vector<std::uint64_t> rank_offset_hist;  ///< kRankOffsetBins
  std::vector<std::uint64_t> margin_rel_hist;   ///< kMarginBins, relative margin
  std::vector<std::uint64_t> margin_ps_hist;    ///< kMarginBins, absolute margin in ps

  double rate(std::uint64_t count) const { return trials ? static_cast<double>(count) / trials : 0.0; }
  double mean_latency_s() const { return trials ? sum_latency_fs * 1e-15 / trials : 0.0; }
  double mean_energy_j() const { return trials ? sum_energy_aj * 1e-18 / trials : 0.0; }

  /// Histogram bin of an excess distance / of a margin value (public for tests and the writer).
  static int error_bin(std::uint64_t excess);
  static int rank_offset_bin(std::int64_t offset);
  static int margin_bin(double value);
  /// kMarginBins + 1 edges; the outer two are 0 and +infinity.
  static std::vector<double> margin_bin_edges();
};

}  // namespace rapidnn::ndcam
