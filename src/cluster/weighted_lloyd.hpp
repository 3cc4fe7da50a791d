#pragma once
// Lloyd's algorithm on weighted points given in ascending order (histogram bin means with their
// counts). Because both the points and the centroids are sorted, one assignment is a linear merge,
// O(P + k), so hundreds of iterations on 65536 bins cost less than one pass over 10^7 raw values.
// Serial and deterministic.
#include <span>
#include <vector>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

struct WeightedLloydResult {
  std::vector<double> centroids;  ///< ascending
  double wcss = 0;                ///< weighted WCSS of the points about the returned centroids
  int iterations = 0;             ///< Lloyd steps taken
};

/// Start from `initial_centroids` (ascending); stop after max_iterations steps or when one more
/// step would lower the weighted WCSS by at most tolerance * WCSS (that gain is exactly
/// sum_j W_j (c_j - mean_j)^2). Empty clusters keep their centroid.
WeightedLloydResult weighted_lloyd_sorted(std::span<const double> sorted_points, std::span<const double> weights,
                                          std::span<const double> initial_centroids, int max_iterations,
                                          double tolerance);

}  // namespace rapidnn::cluster
