#pragma once
// Shared bad-input checks of the cluster module, so every entry point reports the same messages:
//   "<what>: empty input (0 values)"
//   "<what>: k must be >= 1, got k = <k>"
//   "<what>: value at index <i> is not finite (<v>)"
//   "<what>: k = <k> exceeds the number of distinct values (<d>)"
#include <cstddef>
#include <span>
#include <string_view>

#include "cluster/fixed_point_stats.hpp"

namespace rapidnn::cluster::detail {

void check_not_empty(std::size_t n, std::string_view what);
void check_k_positive(int k, std::string_view what);
/// Throws on the first non-finite value (lowest index).
void check_finite(std::span<const float> values, std::string_view what);
void check_finite(std::span<const double> values, std::string_view what);
void check_k_distinct(int k, std::size_t distinct, std::string_view what);
/// Values beyond 1e150 in magnitude would overflow the sums of squares (double): rejected with
/// "<what>: values up to <v> in magnitude are too large (limit 1e150); rescale them".
inline constexpr double kMaxMagnitude = 1e150;
void check_magnitude(double min_value, double max_value, std::string_view what);
/// value_range with the caller's name in the messages.
ValueRange checked_value_range(std::span<const float> values, std::string_view what);
ValueRange checked_value_range(std::span<const double> values, std::string_view what);
/// kmeans1d_optimal reporting bad input under another entry point's name (kmeans1d_fast's
/// small-input and few-occupied-bins paths).
Codebook1D kmeans1d_optimal_as(std::span<const float> values, int k, std::string_view what);
/// Number of distinct values of an ascending sequence.
std::size_t count_distinct_sorted(std::span<const double> sorted);

}  // namespace rapidnn::cluster::detail
