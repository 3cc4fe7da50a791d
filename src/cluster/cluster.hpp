#pragma once
// Umbrella header of the cluster module: 1-D k-means (exact DP, fast histogram + Lloyd), exact
// fixed-point refinement statistics for distributed k-means, and tree codebooks (Section 3.1).
#include "cluster/codebook.hpp"
#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/kmeans1d_fast.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/lloyd_reference.hpp"
#include "cluster/nearest_lookup.hpp"
#include "cluster/sort_values.hpp"
#include "cluster/tree_codebook.hpp"
#include "cluster/weighted_lloyd.hpp"
