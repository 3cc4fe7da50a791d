#include "ndcam/search_error.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ndcam/monte_carlo.hpp"
#include "ndcam/nearest.hpp"

namespace rapidnn::ndcam {

std::int64_t rank_offset_of_bin(int bin) {
  RAPIDNN_ASSERT(bin >= 0 && bin < TrialStats::kRankOffsetBins);
  if (bin == TrialStats::kRankOffsetBins - 2) return -(TrialStats::kRankOffsetMax + 1);
  if (bin == TrialStats::kRankOffsetBins - 1) return TrialStats::kRankOffsetMax + 1;
  return static_cast<std::int64_t>(bin) - TrialStats::kRankOffsetMax;
}

SearchErrorModel::SearchErrorModel(std::span<const std::uint64_t> hist) {
  RAPIDNN_THROW_IF_NOT(hist.size() == static_cast<std::size_t>(TrialStats::kRankOffsetBins), InvalidArgument,
                       "ndcam: a rank-offset histogram has {} bins, got {}", TrialStats::kRankOffsetBins,
                       hist.size());
  cumulative_.resize(hist.size());
  for (std::size_t i = 0; i < hist.size(); ++i) {
    total_ += hist[i];
    cumulative_[i] = total_;
  }
  RAPIDNN_THROW_IF_NOT(total_ > 0, InvalidArgument, "ndcam: a rank-offset histogram without any search");
  errors_ = total_ - hist[static_cast<std::size_t>(TrialStats::rank_offset_bin(0))];
}

double SearchErrorModel::error_rate() const {
  return total_ ? static_cast<double>(errors_) / static_cast<double>(total_) : 0.0;
}

std::int64_t SearchErrorModel::offset_for(std::uint64_t r) const {
  RAPIDNN_THROW_IF_NOT(r < total_, InvalidArgument, "ndcam: draw {} outside [0, {})", r, total_);
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
  return rank_offset_of_bin(static_cast<int>(it - cumulative_.begin()));
}

int SearchErrorModel::returned_row(int row, int rows, CounterRng& rng) const {
  RAPIDNN_ASSERT(rows >= 1 && row >= 0 && row < rows);
  const std::int64_t r = std::clamp<std::int64_t>(row + sample(rng), 0, rows - 1);
  return static_cast<int>(r);
}

std::uint32_t FixedPointMap::operator()(float v) const {
  const double top = static_cast<double>((std::uint64_t{1} << value_bits) - 1);
  if (!(hi > lo)) return 0u;
  const double x = std::clamp((static_cast<double>(v) - lo) / (hi - lo), 0.0, 1.0);
  return static_cast<std::uint32_t>(std::llround(x * top));
}

FixedPointMap fixed_point_map(std::span<const float> values, int value_bits) {
  RAPIDNN_THROW_IF_NOT(values.size() >= 2, InvalidArgument, "ndcam: a table needs at least 2 values, got {}",
                       values.size());
  RAPIDNN_THROW_IF_NOT(value_bits >= 1 && value_bits <= 32, InvalidArgument,
                       "ndcam: value_bits must be in [1, 32], got {}", value_bits);
  for (std::size_t i = 0; i < values.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(std::isfinite(values[i]), InvalidArgument, "ndcam: table value {} is not finite", i);
    RAPIDNN_THROW_IF_NOT(i == 0 || values[i] >= values[i - 1], InvalidArgument,
                         "ndcam: table values must be ascending, value {} ({}) < value {} ({})", i, values[i],
                         i - 1, values[i - 1]);
  }
  return FixedPointMap{values.front(), values.back(), value_bits};
}

std::vector<std::uint32_t> to_fixed_point(std::span<const float> values, int value_bits) {
  const FixedPointMap map = fixed_point_map(values, value_bits);
  std::vector<std::uint32_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = map(values[i]);
  return out;
}

TableSearchErrors::TableSearchErrors(std::span<const std::uint64_t> row_hist, int rows) {
  const auto bins = static_cast<std::size_t>(TrialStats::kRankOffsetBins);
  RAPIDNN_THROW_IF_NOT(rows >= 1 && row_hist.size() == static_cast<std::size_t>(rows) * bins, InvalidArgument,
                       "ndcam: row histograms of {} rows need {} counts, got {}", rows,
                       static_cast<std::size_t>(rows) * bins, row_hist.size());
  std::vector<std::uint64_t> pooled(bins, 0);
  per_row_.resize(static_cast<std::size_t>(rows));
  for (std::size_t r = 0; r < per_row_.size(); ++r) {
    const auto h = row_hist.subspan(r * bins, bins);
    std::uint64_t n = 0;
    for (std::size_t b = 0; b < bins; ++b) {
      pooled[b] += h[b];
      n += h[b];
    }
    if (n > 0) {
      per_row_[r] = SearchErrorModel(h);
      error_free_ = error_free_ && per_row_[r].error_free();
    }
  }
  pooled_ = SearchErrorModel(pooled);
}

const SearchErrorModel& TableSearchErrors::for_row(int row) const {
  const auto r = static_cast<std::size_t>(row);
  return r < per_row_.size() && per_row_[r].trials() > 0 ? per_row_[r] : pooled_;
}

namespace {
TrialSpec trial_spec_of(const TableSearchSpec& spec) {
  TrialSpec t;
  t.workload.distribution = ValueDistribution::kCodebook;
  t.workload.rows = static_cast<int>(spec.table.size());
  t.workload.value_bits = spec.value_bits;
  t.workload.codebook = spec.table;
  t.workload.queries = spec.queries;
  t.params = spec.params;
  t.bits_per_stage = spec.bits_per_stage;
  t.seed = spec.seed;
  t.stream = spec.stream;
  t.hamming_baseline = false;
  return t;
}
}  // namespace

TrialStats measure_table_search(const TableSearchSpec& spec, std::uint64_t begin, std::uint64_t end) {
  TrialRunner runner(trial_spec_of(spec));
  return runner.run_range(begin, end);
}

std::vector<std::uint64_t> measure_row_search(const TableSearchSpec& spec, std::uint64_t begin, std::uint64_t end) {
  RAPIDNN_THROW_IF_NOT(begin <= end && end <= (std::uint64_t{1} << 32), InvalidArgument,
                       "ndcam: trial range [{}, {}) must lie in [0, 2^32)", begin, end);
  TrialRunner runner(trial_spec_of(spec));
  const auto bins = static_cast<std::size_t>(TrialStats::kRankOffsetBins);
  std::vector<std::uint64_t> hist(spec.table.size() * bins, 0);
  for (std::uint64_t i = begin; i < end; ++i) {
    const TrialOutcome o = runner.run(static_cast<std::uint32_t>(i));
    const auto& table = runner.table();
    const std::uint64_t d = nearest_absolute_distance(table, runner.query());
    std::size_t row = 0;
    while (abs_distance(table[row], runner.query()) != d) ++row;
    ++hist[row * bins + static_cast<std::size_t>(TrialStats::rank_offset_bin(o.rank_offset))];
  }
  return hist;
}

}  // namespace rapidnn::ndcam
