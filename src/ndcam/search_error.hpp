#pragma once
// The measured search-error distribution of an NDCAM table as a sampler (the accuracy loop,
// beyond the paper: what do search errors do to a network?).
//
// A Monte Carlo run over a fixed table (TrialRunner with a kCodebook workload) counts, per
// search, the signed rank offset between the returned row and the nearest row
// (TrialStats::rank_offset_hist: offsets -32..32, then one bin each for "below -32" and
// "above 32"). SearchErrorModel turns those integer counts into an inverse CDF: a uniform
// integer r in [0, trials) maps to the first offset whose cumulative count exceeds r, so drawing
// r = rng.below(trials) reproduces the measured frequencies exactly in expectation and uses
// integers only (no floating-point CDF whose rounding could differ between toolchains).
//
// Applying an offset to a lookup whose correct row is `row` returns row + offset clamped to
// [0, rows): the measured distribution is over all query positions, so at the table's ends an
// offset that points outside the table is read as the end row (a search cannot return a row
// that does not exist). The two overflow bins are applied as -33 / +33 and then clamped.
#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "ndcam/circuit_params.hpp"
#include "ndcam/trial_stats.hpp"

namespace rapidnn::ndcam {

class SearchErrorModel {
 public:
  /// Error-free: every search returns the nearest row.
  SearchErrorModel() = default;
  /// From counts in the TrialStats::rank_offset_hist layout (kRankOffsetBins entries). Throws
  /// InvalidArgument when the size is wrong or no search was counted.
  explicit SearchErrorModel(std::span<const std::uint64_t> rank_offset_hist);

  std::uint64_t trials() const { return total_; }
  /// Fraction of searches that did not return the nearest row.
  double error_rate() const;
  bool error_free() const { return errors_ == 0; }
  /// Offset of the uniform integer r in [0, trials()) under the inverse CDF.
  std::int64_t offset_for(std::uint64_t r) const;
  std::int64_t sample(CounterRng& rng) const { return error_free() ? 0 : offset_for(rng.below(total_)); }
  /// The row a search returns when `row` of a `rows`-row table is the nearest one.
  int returned_row(int row, int rows, CounterRng& rng) const;

 private:
  std::vector<std::uint64_t> cumulative_;  // kRankOffsetBins running sums
  std::uint64_t total_ = 0;
  std::uint64_t errors_ = 0;
};

/// Offset of histogram bin `bin` (inverse of TrialStats::rank_offset_bin; the overflow bins
/// give -(kRankOffsetMax + 1) and kRankOffsetMax + 1).
std::int64_t rank_offset_of_bin(int bin);

/// The linear map of a table's range [lo, hi] onto value_bits-wide offset-binary fixed point:
/// lo -> 0, hi -> 2^value_bits - 1, rounded to nearest; values outside [lo, hi] are clamped
/// (a query below the table reads as its minimum, as an AM block's clipped domain does).
struct FixedPointMap {
  double lo = 0.0, hi = 1.0;
  int value_bits = 32;
  std::uint32_t operator()(float v) const;
};

/// The map of an ascending float table (e.g. a codebook or the y column of an activation
/// table). Throws InvalidArgument for fewer than 2 values, non-finite or descending values.
FixedPointMap fixed_point_map(std::span<const float> table, int value_bits);
/// The table through its own map: order kept (ties may appear), ends at 0 and 2^value_bits - 1.
std::vector<std::uint32_t> to_fixed_point(std::span<const float> values, int value_bits);

/// Row-conditional search errors of one table: a SearchErrorModel per nearest row, and the
/// pooled one for rows that no measured search had as its nearest row.
class TableSearchErrors {
 public:
  TableSearchErrors() = default;  ///< error-free
  /// Only a pooled model (every row the same distribution).
  explicit TableSearchErrors(SearchErrorModel pooled) : pooled_(std::move(pooled)) {}
  /// From rows x kRankOffsetBins counts (row = the nearest row of each search).
  TableSearchErrors(std::span<const std::uint64_t> row_hist, int rows);

  const SearchErrorModel& for_row(int row) const;
  const SearchErrorModel& pooled() const { return pooled_; }
  bool error_free() const { return error_free_ && pooled_.error_free(); }
  int returned_row(int row, int rows, CounterRng& rng) const { return for_row(row).returned_row(row, rows, rng); }

 private:
  std::vector<SearchErrorModel> per_row_;  // trials() == 0: not measured, use pooled_
  SearchErrorModel pooled_;
  bool error_free_ = true;
};

/// What the search-error measurement of one table needs.
struct TableSearchSpec {
  std::vector<std::uint32_t> table;  ///< ascending fixed-point values (to_fixed_point)
  int value_bits = 32;
  int bits_per_stage = 8;
  CircuitParams params;              ///< sigma_w / sigma_vth set the variation
  std::uint64_t seed = 1;
  std::uint32_t stream = 0;          ///< RNG stream (one per table: common random numbers over sigma)
  /// Queries drawn uniformly from this list (fixed point, e.g. the values the network looks up
  /// mapped by the table's FixedPointMap); empty: uniform over [min, max] of the table.
  std::vector<std::uint32_t> queries;
};

/// Statistics of searches [begin, end) of the table, queries uniform over [min, max] of the table
/// (TrialRunner with a kCodebook workload; trial t keyed by (seed, stream, t), so ranges on
/// different ranks merge into the result of one range).
TrialStats measure_table_search(const TableSearchSpec& spec, std::uint64_t begin, std::uint64_t end);

/// The same searches as measure_table_search, their rank offsets counted per nearest row (the
/// lowest-index row at the minimum absolute distance, as composer::NearestEncoder picks):
/// rows x kRankOffsetBins counts, row-major. Summed over rows = TrialStats::rank_offset_hist.
std::vector<std::uint64_t> measure_row_search(const TableSearchSpec& spec, std::uint64_t begin, std::uint64_t end);

}  // namespace rapidnn::ndcam
