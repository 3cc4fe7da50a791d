#pragma once
// The encoding AM block (paper Sec 2.2, Figure 2d) in software: a value is mapped to the index
// of its nearest codebook value. Codebooks hold at most 256 values (codes are one byte), which
// covers every size the paper uses (w, u <= 128).
#include <cstdint>
#include <span>
#include <vector>

namespace rapidnn::composer {

using Code = std::uint8_t;
inline constexpr int kMaxCodebookSize = 256;

class NearestEncoder {
 public:
  NearestEncoder() = default;
  /// `centroids` ascending (duplicates allowed: a tie goes to the lower index, as
  /// cluster::nearest_index). Throws InvalidArgument when empty, larger than 256, unsorted or
  /// not finite.
  explicit NearestEncoder(std::span<const float> centroids);

  /// Index of the nearest centroid: the first i with x <= (c[i] + c[i+1]) / 2, else the last.
  Code encode(float x) const {
    // Branch-free binary search over the midpoints (size is small, stays in L1).
    const float* m = mids_.data();
    std::size_t n = mids_.size(), lo = 0;
    while (n > 0) {
      const std::size_t half = n / 2;
      const bool right = m[lo + half] < x;
      lo = right ? lo + half + 1 : lo;
      n = right ? n - half - 1 : half;
    }
    return static_cast<Code>(lo);
  }
  float decode(Code c) const { return centroids_[c]; }
  int size() const { return static_cast<int>(centroids_.size()); }
  const std::vector<float>& centroids() const { return centroids_; }

 private:
  std::vector<float> centroids_;
  std::vector<float> mids_;  // size()-1 midpoints
};

}  // namespace rapidnn::composer
