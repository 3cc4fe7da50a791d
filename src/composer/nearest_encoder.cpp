#include "composer/nearest_encoder.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rapidnn::composer {

NearestEncoder::NearestEncoder(std::span<const float> centroids)
    : centroids_(centroids.begin(), centroids.end()) {
  RAPIDNN_THROW_IF_NOT(!centroids_.empty() && centroids_.size() <= kMaxCodebookSize, InvalidArgument,
                       "codebook size {} is outside 1..{}", centroids_.size(), kMaxCodebookSize);
  for (std::size_t i = 0; i < centroids_.size(); ++i) {
    RAPIDNN_THROW_IF_NOT(std::isfinite(centroids_[i]), InvalidArgument, "codebook value {} is {}", i,
                         centroids_[i]);
    if (i > 0)
      RAPIDNN_THROW_IF_NOT(centroids_[i - 1] <= centroids_[i], InvalidArgument,
                           "codebook not ascending: value {} = {} > value {} = {}", i - 1,
                           centroids_[i - 1], i, centroids_[i]);
  }
  mids_.resize(centroids_.size() - 1);
  for (std::size_t i = 0; i + 1 < centroids_.size(); ++i)
    mids_[i] = 0.5f * (centroids_[i] + centroids_[i + 1]);
}

}  // namespace rapidnn::composer
