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

  /// Index of the nearest centroid: the first i with x <= (c[i] + c[i+1]) / 2, else the last
  /// (NaN maps to 0).
  Code encode(float x) const {
    const float* m = mids_.data();
    const std::size_t n = mids_.size();
    if (n <= 64) {
      // Code = number of midpoints below x; a branch-free count the compiler vectorises, faster
      // than a binary search for small codebooks (no mispredicted branches).
      unsigned below = 0;
      for (std::size_t i = 0; i < n; ++i) below += m[i] < x ? 1u : 0u;
      return static_cast<Code>(below);
    }
    std::size_t lo = 0, len = n;  // binary search: first midpoint >= x
    while (len > 0) {
      const std::size_t half = len / 2;
      if (m[lo + half] < x) {
        lo += half + 1;
        len -= half + 1;
      } else {
        len = half;
      }
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
