#include "cluster/lloyd_reference.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/input_checks.hpp"

namespace rapidnn::cluster {

namespace {

// Counts and WCSS of `centroids` under nearest-centroid assignment, plus the cluster sums.
struct Assignment {
  std::vector<std::uint64_t> counts;
  std::vector<long double> sums;
  long double wcss = 0;
};

Assignment assign(std::span<const double> values, std::span<const double> centroids) {
  Assignment a;
  a.counts.assign(centroids.size(), 0);
  a.sums.assign(centroids.size(), 0);
  for (const double x : values) {
    const std::uint32_t c = nearest_index(centroids, x);
    ++a.counts[c];
    a.sums[c] += x;
    const long double d = x - centroids[c];
    a.wcss += d * d;
  }
  return a;
}

}  // namespace

Codebook1D kmeans1d_lloyd_reference(std::span<const double> values, int k, const LloydParams& params) {
  constexpr std::string_view what = "kmeans1d_lloyd_reference";
  detail::check_not_empty(values.size(), what);
  detail::check_k_positive(k, what);
  detail::check_finite(values, what);
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  detail::check_magnitude(sorted.front(), sorted.back(), what);
  detail::check_k_distinct(k, detail::count_distinct_sorted(sorted), what);
  const std::size_t n = sorted.size();
  const auto K = static_cast<std::size_t>(k);
  // Quantile initialisation: the midpoints of k equal-count slices of the sorted values.
  std::vector<double> c(K);
  for (std::size_t j = 0; j < K; ++j) c[j] = sorted[std::min(n - 1, (2 * j + 1) * n / (2 * K))];
  Codebook1D cb;
  for (int it = 0; it < params.max_iterations; ++it) {
    const Assignment a = assign(sorted, c);
    std::vector<double> next(c);
    double moved = 0;
    for (std::size_t j = 0; j < K; ++j) {
      if (a.counts[j] == 0) continue;  // an empty cluster keeps its centroid
      next[j] = static_cast<double>(a.sums[j] / static_cast<long double>(a.counts[j]));
      moved = std::max(moved, std::fabs(next[j] - c[j]));
    }
    if (moved <= params.tolerance) break;
    c = std::move(next);
    cb.iterations = it + 1;
  }
  const Assignment final_assignment = assign(sorted, c);
  cb.centroids = c;
  cb.counts = final_assignment.counts;
  cb.wcss = static_cast<double>(final_assignment.wcss);
  return cb;
}

}  // namespace rapidnn::cluster
