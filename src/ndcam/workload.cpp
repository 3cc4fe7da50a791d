#include "ndcam/workload.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::ndcam {

ValueDistribution parse_value_distribution(const std::string& name) {
  if (name == "uniform") return ValueDistribution::kUniform;
  if (name == "gaussian") return ValueDistribution::kGaussian;
  if (name == "codebook") return ValueDistribution::kCodebook;
  throw InvalidArgument(fmt::format(
      "ndcam: unknown value distribution '{}' (allowed: uniform, gaussian, codebook)", name));
}

std::string to_string(ValueDistribution d) {
  switch (d) {
    case ValueDistribution::kUniform: return "uniform";
    case ValueDistribution::kGaussian: return "gaussian";
    case ValueDistribution::kCodebook: return "codebook";
  }
  return "?";
}

void WorkloadSpec::validate() const {
  RAPIDNN_THROW_IF_NOT(value_bits >= 1 && value_bits <= 32, InvalidArgument,
                       "ndcam: value_bits must be in [1, 32], got {}", value_bits);
  RAPIDNN_THROW_IF_NOT(rows >= 1 && rows <= (1 << 20), InvalidArgument,
                       "ndcam: rows must be in [1, 1048576], got {}", rows);
  if (distribution == ValueDistribution::kCodebook) {
    RAPIDNN_THROW_IF_NOT(codebook.size() == static_cast<std::size_t>(rows), InvalidArgument,
                         "ndcam: codebook has {} values but rows = {}", codebook.size(), rows);
    const std::uint64_t max_value = (std::uint64_t{1} << value_bits) - 1;
    for (std::uint32_t v : codebook)
      RAPIDNN_THROW_IF_NOT(v <= max_value, InvalidArgument,
                           "ndcam: codebook value {} does not fit in value_bits={}", v, value_bits);
    for (std::uint32_t v : queries)
      RAPIDNN_THROW_IF_NOT(v <= max_value, InvalidArgument,
                           "ndcam: query {} does not fit in value_bits={}", v, value_bits);
  } else {
    RAPIDNN_THROW_IF_NOT(queries.empty(), InvalidArgument,
                         "ndcam: a query list needs a codebook workload, got {}", to_string(distribution));
  }
}

namespace {
std::uint32_t draw_value(const WorkloadSpec& spec, CounterRng& rng) {
  const std::uint64_t range = std::uint64_t{1} << spec.value_bits;
  if (spec.distribution == ValueDistribution::kGaussian) {
    const double mean = 0.5 * static_cast<double>(range);
    const double v = std::round(rng.normal(mean, static_cast<double>(range) / 8.0));
    return static_cast<std::uint32_t>(std::clamp(v, 0.0, static_cast<double>(range - 1)));
  }
  return static_cast<std::uint32_t>(rng.below(range));
}
}  // namespace

void draw_table(const WorkloadSpec& spec, CounterRng& rng, std::vector<std::uint32_t>& table) {
  if (spec.distribution == ValueDistribution::kCodebook) {
    table.assign(spec.codebook.begin(), spec.codebook.end());
    return;
  }
  table.resize(static_cast<std::size_t>(spec.rows));
  for (auto& v : table) v = draw_value(spec, rng);
}

std::uint32_t draw_query(const WorkloadSpec& spec, std::span<const std::uint32_t> table,
                         CounterRng& rng) {
  if (spec.max_query)
    return static_cast<std::uint32_t>((std::uint64_t{1} << spec.value_bits) - 1);
  if (spec.distribution == ValueDistribution::kCodebook) {
    if (!spec.queries.empty()) return spec.queries[static_cast<std::size_t>(rng.below(spec.queries.size()))];
    const auto [lo, hi] = std::minmax_element(table.begin(), table.end());
    return *lo + static_cast<std::uint32_t>(rng.below(std::uint64_t{*hi} - *lo + 1));
  }
  return draw_value(spec, rng);
}

}  // namespace rapidnn::ndcam
