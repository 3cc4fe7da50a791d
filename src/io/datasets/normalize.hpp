#pragma once
// Feature normalisation. Statistics come from the training split and are applied unchanged to
// the test split, so that test data never leaks into preprocessing.
#include <vector>

#include "io/datasets/dataset.hpp"

namespace rapidnn::datasets {

/// Divides every feature by max_value (255 for 8-bit pixels): values land in [0, 1].
void scale_to_unit(Dataset& data, float max_value = 255.0f);

/// Per-feature mean and population standard deviation (size d each), accumulated in double in
/// sample order (deterministic).
struct FeatureStats {
  std::vector<double> mean;
  std::vector<double> stddev;
};
FeatureStats compute_feature_stats(const Dataset& train);

/// x <- (x - mean) / stddev per feature; a feature with stddev below min_stddev (constant in the
/// training set, e.g. MNIST border pixels) is only centred. Throws InvalidArgument when the
/// statistics have a different feature count.
void standardize(Dataset& data, const FeatureStats& stats, double min_stddev = 1e-8);

}  // namespace rapidnn::datasets
