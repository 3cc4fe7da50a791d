#include "io/datasets/normalize.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rapidnn::datasets {

void scale_to_unit(Dataset& data, float max_value) {
  RAPIDNN_THROW_IF_NOT(max_value > 0.0f && std::isfinite(max_value), InvalidArgument,
                       "scale_to_unit: max_value = {} must be positive and finite", max_value);
  const float inv = 1.0f / max_value;
  for (float& x : data.features) x *= inv;
}

FeatureStats compute_feature_stats(const Dataset& train) {
  RAPIDNN_THROW_IF_NOT(train.n > 0, InvalidArgument,
                       "compute_feature_stats: data set '{}' has no samples", train.name);
  const auto d = static_cast<std::size_t>(train.d);
  FeatureStats stats{std::vector<double>(d, 0.0), std::vector<double>(d, 0.0)};
  for (std::int64_t i = 0; i < train.n; ++i) {
    const auto row = train.row(i);
    for (std::size_t j = 0; j < d; ++j) stats.mean[j] += row[j];
  }
  for (auto& m : stats.mean) m /= static_cast<double>(train.n);
  // Two-pass variance: the centred sum avoids the cancellation of E[x^2] - E[x]^2.
  for (std::int64_t i = 0; i < train.n; ++i) {
    const auto row = train.row(i);
    for (std::size_t j = 0; j < d; ++j) {
      const double c = row[j] - stats.mean[j];
      stats.stddev[j] += c * c;
    }
  }
  for (auto& s : stats.stddev) s = std::sqrt(s / static_cast<double>(train.n));
  return stats;
}

void standardize(Dataset& data, const FeatureStats& stats, double min_stddev) {
  const auto d = static_cast<std::size_t>(data.d);
  RAPIDNN_THROW_IF_NOT(stats.mean.size() == d && stats.stddev.size() == d, InvalidArgument,
                       "standardize: statistics for {} features, data set '{}' has {}", stats.mean.size(),
                       data.name, data.d);
  std::vector<double> inv(d);
  for (std::size_t j = 0; j < d; ++j) inv[j] = stats.stddev[j] < min_stddev ? 1.0 : 1.0 / stats.stddev[j];
  for (std::int64_t i = 0; i < data.n; ++i) {
    auto row = data.row(i);
    for (std::size_t j = 0; j < d; ++j) row[j] = static_cast<float>((row[j] - stats.mean[j]) * inv[j]);
  }
}

}  // namespace rapidnn::datasets
