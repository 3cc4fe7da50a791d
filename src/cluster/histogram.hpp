#pragma once
// Fine equal-width histogram of raw values with exact fixed-point per-bin sums. The weighted DP
// on the bin means (weights = counts) then finds the optimal partition among those that do not
// cut a bin; its WCSS plus the within-bin scatter is the WCSS of that partition of the raw values.
// Counts and sums are integers, so per-thread / per-rank histograms add up exactly in any order.
//
// The bins are equal ranges of the fixed-point value q = scale.quantize(x) (FixedPointScale, built
// from the global [min, max]), not of x: a value's bin and its offset inside the bin are then
// integer functions of q, so one 64-bit word per bin can accumulate both the count and the sum of
// the offsets (see histogram.cpp), one memory update per value instead of two.
//
// The histogram keeps the exact total sum of q^2 over all values: with it, a partition's WCSS follows
// from its clusters' counts and sums alone (sum q^2 - sum S^2 / n). On request (BinExtrema::kKeep)
// each bin also keeps the min and max of its values (a min/max reduction, also order-free), with
// which the tree splits are bounded inside a bin (binned_tree.hpp); the flat codebooks do not need
// them and skip their cost.
#include <cstdint>
#include <span>
#include <vector>

#include "cluster/fixed_point_stats.hpp"

namespace rapidnn::cluster {

/// The value -> bin map of a histogram: bin = ((q + 2^31 - 1) * bins) >> 32 with q the quantised
/// value (|q| <= 2^31 - 1, so q + 2^31 - 1 is in [0, 2^32)). Monotone non-decreasing in x (a
/// composition of monotone maps), which the exactness arguments of the binned algorithms rely
/// on. Every kernel bins through this one formula, so they agree bit for bit.
struct BinMap {
  static constexpr std::int64_t kQOffset = 2147483647;  ///< 2^31 - 1
  FixedPointScale scale;
  std::uint64_t bins = 1;
  /// Bin of a quantised value q = scale.quantize(x).
  int bin_of_q(std::int64_t q) const { return static_cast<int>((static_cast<std::uint64_t>(q + kQOffset) * bins) >> 32); }
  int operator()(double x) const { return bin_of_q(scale.quantize(x)); }
};

/// Largest histogram: bins * (q + 2^31 - 1) must stay below 2^64, and a bin's offsets narrow
/// enough to share a word with its count (histogram.cpp).
constexpr int kMaxHistogramBins = 1 << 24;

enum class BinExtrema { kSkip, kKeep };

struct Histogram1D {
  double min = 0, max = 0;          ///< global range
  int bins = 0;
  FixedPointScale scale;            ///< built from [min, max]
  std::vector<std::uint64_t> counts;
  std::vector<std::int64_t> sums_q;  ///< fixed-point sum of the values in each bin
  /// Min / max value per bin (+inf / -inf when empty); empty vectors unless kept.
  std::vector<float> mins, maxs;
  /// Exact total sum of q^2 as two words, total = words[0] * 2^31 + words[1]: each accumulation adds
  /// its sum's high and low parts, so the words add up (MPI_SUM) exactly in any order.
  std::int64_t q2_words[2] = {0, 0};

  bool has_extrema() const { return !mins.empty(); }
  BinMap map() const { return BinMap{scale, static_cast<std::uint64_t>(bins)}; }
  /// Bin of x (x in [min, max]).
  int bin_of(double x) const { return map()(x); }
  /// Exact total sum of q^2 over all values.
  __extension__ unsigned __int128 total_q2() const;
  /// Exact element-wise sum of another histogram with the same range, bins and extrema.
  Histogram1D& operator+=(const Histogram1D& other);
  /// The non-empty bins as weighted points: means (ascending) and counts.
  void weighted_points(std::vector<double>& points, std::vector<double>& weights) const;
  std::uint64_t total_count() const;
};

/// An empty histogram over the GLOBAL range [min, max]; throws InvalidArgument unless
/// 1 <= bins <= kMaxHistogramBins.
Histogram1D make_histogram(double min_value, double max_value, int bins, BinExtrema extrema);
/// Add the values (which must lie in [min, max]) to `h`, in parallel (oneTBB); exact.
void accumulate_histogram(std::span<const float> values, Histogram1D& h);
void accumulate_histogram(std::span<const double> values, Histogram1D& h);

/// bins[i] = map(values[i]) for a block of values (vectorised where the CPU allows; identical to
/// calling the map one value at a time).
void bins_of(std::span<const float> values, const BinMap& map, std::int32_t* bins);
/// The same, and q[i] = map.scale.quantize(values[i]) (which fits an int32: |q| <= 2^31 - 1).
void bins_and_q_of(std::span<const float> values, const BinMap& map, std::int32_t* bins, std::int32_t* q);

/// How values_in_bins screens the values before it bins the survivors exactly. Every choice returns
/// the same values (the screens are conservative); they differ only in speed.
enum class BinScreen {
  kFastest,     ///< the fastest the CPU allows (kTwoLevelCells, else kFineCells, else kNone)
  kNone,        ///< the exact bin of every value
  kFineCells,   ///< a bitmap of float-arithmetic cells, 4 per bin (AVX2: one gather per 8 values)
  kTwoLevelCells,  ///< first a 2048-cell bitmap held in registers (AVX-512: no memory gather),
                   ///< then the fine bitmap for the few values that pass
};
/// Whether this CPU runs `screen` (kFastest and kNone always; a screen the CPU lacks falls back to
/// the next simpler one).
bool bin_screen_available(BinScreen screen);

/// The values whose bin is flagged (flags.size() == h.bins), in an unspecified order: one
/// streaming pass (parallel). Used to resolve a few bins into their exact values, so it first
/// screens the values against conservative bitmaps of float-arithmetic cells around the flagged
/// bins and computes the exact bin only for those that pass.
std::vector<float> values_in_bins(std::span<const float> values, const Histogram1D& h,
                                  std::span<const std::uint8_t> flags, BinScreen screen = BinScreen::kFastest);

}  // namespace rapidnn::cluster
