#pragma once
// Plain Lloyd's algorithm (assign to nearest centroid, move centroids to means) in double, serial,
// initialised at evenly spaced quantiles of the sorted values. A local optimum: a reference that
// the exact DP must never lose to, and the algorithm scikit-learn's KMeans runs.
#include <span>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

struct LloydParams {
  int max_iterations = 300;
  double tolerance = 0;  ///< stop when no centroid moves by more than this (0: until no change)
};

Codebook1D kmeans1d_lloyd_reference(std::span<const double> values, int k, const LloydParams& = {});

}  // namespace rapidnn::cluster
