#include "cluster/kmeans1d_optimal.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include <tbb/parallel_for.h>

#include "cluster/certified_partition.hpp"
#include "cluster/dp_engine.hpp"
#include "cluster/input_checks.hpp"
#include "cluster/sort_values.hpp"
#include "cluster/segment_cost.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

namespace {

constexpr std::string_view kWhat = "kmeans1d_optimal";

template <class T>
Codebook1D optimal_impl(std::span<const T> values, int k, std::string_view what = kWhat) {
  detail::check_not_empty(values.size(), what);
  detail::check_k_positive(k, what);
  detail::check_finite(values, what);
  const auto sorted_t = sorted_copy(values);
  const std::vector<double> sorted(sorted_t.begin(), sorted_t.end());
  return kmeans1d_optimal_sorted(sorted, k, what);
}

}  // namespace

Codebook1D kmeans1d_optimal_sorted(std::span<const double> sorted, int k, std::string_view what) {
  detail::check_not_empty(sorted.size(), what);
  detail::check_k_positive(k, what);
  RAPIDNN_ASSERT(std::is_sorted(sorted.begin(), sorted.end()));
  detail::check_magnitude(sorted.front(), sorted.back(), what);
  detail::check_k_distinct(k, detail::count_distinct_sorted(sorted), what);
  const auto starts = optimal_partition_sorted(sorted, k);
  return codebook_from_partition(sorted, starts);
}

namespace detail {
Codebook1D kmeans1d_optimal_as(std::span<const float> values, int k, std::string_view what) {
  return optimal_impl(values, k, what);
}
}  // namespace detail

std::vector<std::size_t> optimal_partition_sorted(std::span<const double> sorted, int k) {
  const detail::SegmentCost<false> cost(sorted, {});
  return detail::certified_optimal_starts(sorted, {}, cost, k);
}

std::vector<std::size_t> optimal_partition_sorted_reference(std::span<const double> sorted, int k) {
  const detail::SegmentCost<false> cost(sorted, {});
  return detail::optimal_starts(cost, k, detail::RowMinima::kQuadratic);
}

Codebook1D codebook_from_partition(std::span<const double> sorted, std::span<const std::size_t> starts) {
  Codebook1D cb;
  const std::size_t k = starts.size();
  cb.centroids.resize(k);
  cb.counts.resize(k);
  long double wcss = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t b = starts[c], e = c + 1 < k ? starts[c + 1] : sorted.size();
    RAPIDNN_ASSERT(b < e);
    long double sum = 0;
    for (std::size_t t = b; t < e; ++t) sum += sorted[t];
    const long double mean = sum / static_cast<long double>(e - b);
    long double ss = 0;
    for (std::size_t t = b; t < e; ++t) {
      const long double d = sorted[t] - mean;
      ss += d * d;
    }
    cb.centroids[c] = static_cast<double>(mean);
    cb.counts[c] = e - b;
    wcss += ss;
  }
  cb.wcss = static_cast<double>(wcss);
  return cb;
}

Codebook1D kmeans1d_optimal(std::span<const float> values, int k) { return optimal_impl(values, k); }
Codebook1D kmeans1d_optimal(std::span<const double> values, int k) { return optimal_impl(values, k); }

Codebook1D kmeans1d_weighted_optimal(std::span<const double> sorted_points,
                                     std::span<const double> weights, int k) {
  constexpr std::string_view what = "kmeans1d_weighted_optimal";
  detail::check_not_empty(sorted_points.size(), what);
  detail::check_k_positive(k, what);
  RAPIDNN_THROW_IF_NOT(weights.size() == sorted_points.size(), InvalidArgument,
                       "{}: {} points but {} weights", what, sorted_points.size(), weights.size());
  detail::check_finite(sorted_points, what);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(std::isfinite(weights[i]) && weights[i] > 0, InvalidArgument,
                         "{}: weight at index {} must be finite and > 0, got {}", what, i, weights[i]);
  }
  for (std::size_t i = 1; i < sorted_points.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(sorted_points[i - 1] < sorted_points[i], InvalidArgument,
                         "{}: points must be strictly ascending, but point {} = {} >= point {} = {}",
                         what, i - 1, sorted_points[i - 1], i, sorted_points[i]);
  }
  detail::check_magnitude(sorted_points.front(), sorted_points.back(), what);
  detail::check_k_distinct(k, sorted_points.size(), what);
  const detail::SegmentCost<true> cost(sorted_points, weights);
  const auto starts = detail::certified_optimal_starts(sorted_points, weights, cost, k);
  Codebook1D cb;
  const auto K = static_cast<std::size_t>(k);
  cb.centroids.resize(K);
  cb.counts.resize(K);
  long double wcss = 0;
  for (std::size_t c = 0; c < K; ++c) {
    const std::size_t b = starts[c], e = c + 1 < K ? starts[c + 1] : sorted_points.size();
    long double sw = 0, swp = 0;
    for (std::size_t t = b; t < e; ++t) {
      sw += weights[t];
      swp += static_cast<long double>(weights[t]) * sorted_points[t];
    }
    const long double mean = swp / sw;
    long double ss = 0;
    for (std::size_t t = b; t < e; ++t) {
      const long double d = sorted_points[t] - mean;
      ss += weights[t] * d * d;
    }
    cb.centroids[c] = static_cast<double>(mean);
    cb.counts[c] = static_cast<std::uint64_t>(std::llround(static_cast<double>(sw)));
    wcss += ss;
  }
  cb.wcss = static_cast<double>(wcss);
  return cb;
}

std::vector<Codebook1D> kmeans1d_optimal_batch(std::span<const std::span<const float>> problems, int k) {
  std::vector<Codebook1D> out(problems.size());
  std::vector<std::exception_ptr> errors(problems.size());
  tbb::parallel_for(std::size_t{0}, problems.size(), [&](std::size_t i) {
    try {
      out[i] = kmeans1d_optimal(problems[i], k);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("problem {}: {}", i, e.what()));
    }
  }
  return out;
}

}  // namespace rapidnn::cluster
