#pragma once
// Nearest-centroid lookup for the streaming passes: a uniform grid over the value range whose
// cells store where to start a short forward scan of the midpoints. Exactly the answer of
// nearest_index (ties -> lower index, equal centroids -> lowest of their run), in ~O(1): the scan
// only steps over midpoints that fall inside the cell, so with 16 cells per centroid it almost
// never moves. The binary search's chain of dependent loads (~6 for k = 64) was the bottleneck of
// the refinement pass.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "cluster/codebook.hpp"

namespace rapidnn::cluster {

class NearestLookup {
 public:
  /// `lo`, `hi`: the range of the values that will be looked up (others still get the right
  /// answer, only slower). cells = 0 picks 64 per centroid, 1024..65536 (4096 cells = 16 KiB for
  /// k = 64: stays in L1).
  NearestLookup(std::span<const double> sorted_centroids, double lo, double hi, int cells = 0)
      : mids_(centroid_midpoints(sorted_centroids)) {
    const std::size_t k = sorted_centroids.size();
    std::size_t g = cells > 0 ? static_cast<std::size_t>(cells) : std::clamp<std::size_t>(64 * k, 1024, 65536);
    // Cells must stay wide compared with the rounding of x - lo, else fall back to one cell.
    const double mag = std::max(std::fabs(lo), std::fabs(hi));
    const double min_width = 64 * mag * std::numeric_limits<double>::epsilon() + std::numeric_limits<double>::min();
    if (!(hi > lo) || (hi - lo) / static_cast<double>(g) < min_width) g = 1;
    lo_ = lo;
    inv_ = g > 1 ? static_cast<double>(g) / (hi - lo) : 0.0;
    top_ = static_cast<double>(g - 1);
    start_.assign(g, 0);
    const double width = g > 1 ? (hi - lo) / static_cast<double>(g) : 0.0;
    // Cell c >= 1 holds only x >= lo + (c - 1/8) * width: the grid index floor((x - lo) * inv)
    // is off by at most the rounding of x - lo and of the product, below width/32 given
    // min_width. So starting at the count of midpoints below that point is safe.
    for (std::size_t c = 1; c < g; ++c) {
      start_[c] = nearest_index_from_midpoints(mids_, lo + (static_cast<double>(c) - 0.125) * width);
    }
    mids_.push_back(std::numeric_limits<double>::infinity());  // sentinel ends every scan
  }

  std::uint32_t operator()(double x) const {
    double t = (x - lo_) * inv_;
    t = t < 0 ? 0 : (t > top_ ? top_ : t);
    std::uint32_t i = start_[static_cast<std::size_t>(t)];
    i += mids_[i] < x ? 1 : 0;  // the usual 0-or-1 step without a branch
    while (mids_[i] < x) ++i;   // rarely taken: several midpoints in one cell
    return i;
  }

 private:
  std::vector<double> mids_;
  std::vector<std::uint32_t> start_;
  double lo_ = 0, inv_ = 0, top_ = 0;
};

}  // namespace rapidnn::cluster
