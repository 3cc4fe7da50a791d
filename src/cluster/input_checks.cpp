#include "cluster/input_checks.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::cluster::detail {

void check_not_empty(std::size_t n, std::string_view what) {
  RAPIDNN_THROW_IF_NOT(n > 0, InvalidArgument, "{}: empty input (0 values)", what);
}

void check_k_positive(int k, std::string_view what) {
  RAPIDNN_THROW_IF_NOT(k >= 1, InvalidArgument, "{}: k must be >= 1, got k = {}", what, k);
}

namespace {
template <class T>
void check_finite_impl(std::span<const T> values, std::string_view what) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(std::isfinite(values[i]), InvalidArgument,
                         "{}: value at index {} is not finite ({})", what, i, values[i]);
  }
}
}  // namespace

void check_finite(std::span<const float> values, std::string_view what) { check_finite_impl(values, what); }
void check_finite(std::span<const double> values, std::string_view what) { check_finite_impl(values, what); }

void check_k_distinct(int k, std::size_t distinct, std::string_view what) {
  RAPIDNN_THROW_IF_NOT(static_cast<std::size_t>(k) <= distinct, InvalidArgument,
                       "{}: k = {} exceeds the number of distinct values ({})", what, k, distinct);
}

void check_magnitude(double min_value, double max_value, std::string_view what) {
  const double m = std::max(std::fabs(min_value), std::fabs(max_value));
  RAPIDNN_THROW_IF_NOT(m <= kMaxMagnitude, InvalidArgument,
                       "{}: values up to {} in magnitude are too large (limit 1e150); rescale them", what, m);
}

std::size_t count_distinct_sorted(std::span<const double> sorted) {
  if (sorted.empty()) return 0;
  std::size_t d = 1;
  for (std::size_t i = 1; i < sorted.size(); ++i) d += sorted[i] != sorted[i - 1];
  return d;
}

}  // namespace rapidnn::cluster::detail
