#include "cluster/sort_values.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include <tbb/parallel_sort.h>

namespace rapidnn::cluster {

namespace {

constexpr std::size_t kComparisonSortBelow = std::size_t{1} << 15;

// Monotone map float -> uint32: flip all bits of negatives, the sign bit of non-negatives.
// (-0.0 sorts just before +0.0; they compare equal as floats, so the order is still ascending.)
inline std::uint32_t float_key(float f) {
  const auto u = std::bit_cast<std::uint32_t>(f);
  return (u & 0x80000000u) != 0 ? ~u : (u | 0x80000000u);
}
inline float key_float(std::uint32_t k) {
  return std::bit_cast<float>((k & 0x80000000u) != 0 ? (k & 0x7fffffffu) : ~k);
}

}  // namespace

std::vector<float> sorted_copy(std::span<const float> values) {
  const std::size_t n = values.size();
  if (n < kComparisonSortBelow) {
    std::vector<float> out(values.begin(), values.end());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::uint32_t> a(n), b(n);
  constexpr int kShift[3] = {0, 11, 22};
  constexpr std::uint32_t kMask[3] = {0x7ff, 0x7ff, 0x3ff};
  std::array<std::array<std::size_t, 2048>, 3> count{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t k = float_key(values[i]);
    a[i] = k;
    for (int p = 0; p < 3; ++p) ++count[p][(k >> kShift[p]) & kMask[p]];
  }
  for (int p = 0; p < 3; ++p) {
    std::size_t sum = 0;
    for (auto& c : count[p]) {
      const std::size_t t = c;
      c = sum;
      sum += t;
    }
    auto& pos = count[p];
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t k = a[i];
      b[pos[(k >> kShift[p]) & kMask[p]]++] = k;
    }
    a.swap(b);
  }
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = key_float(a[i]);
  return out;
}

std::vector<double> sorted_copy(std::span<const double> values) {
  std::vector<double> out(values.begin(), values.end());
  if (out.size() < kComparisonSortBelow) std::sort(out.begin(), out.end());
  else tbb::parallel_sort(out.begin(), out.end());
  return out;
}

}  // namespace rapidnn::cluster
