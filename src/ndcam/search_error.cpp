#include "ndcam/search_error.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ndcam/monte_carlo.hpp"

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

std::vector<std::uint32_t> to_fixed_point(std::span<const float> values, int value_bits) {
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
  const double lo = values.front(), hi = values.back();
  const double top = static_cast<double>((std::uint64_t{1} << value_bits) - 1);
  std::vector<std::uint32_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    out[i] = hi > lo ? static_cast<std::uint32_t>(std::llround((values[i] - lo) / (hi - lo) * top)) : 0u;
  return out;
}

TrialStats measure_table_search(const TableSearchSpec& spec, std::uint64_t begin, std::uint64_t end) {
  TrialSpec t;
  t.workload.distribution = ValueDistribution::kCodebook;
  t.workload.rows = static_cast<int>(spec.table.size());
  t.workload.value_bits = spec.value_bits;
  t.workload.codebook = spec.table;
  t.params = spec.params;
  t.bits_per_stage = spec.bits_per_stage;
  t.seed = spec.seed;
  t.stream = spec.stream;
  t.hamming_baseline = false;
  TrialRunner runner(t);
  return runner.run_range(begin, end);
}

}  // namespace rapidnn::ndcam
