#include "composer/activation_table.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::composer {

ActivationTable::ActivationTable(nn::Activation function, std::vector<float> y, std::vector<float> z)
    : function_(function), y_(std::move(y)), z_(std::move(z)) {
  RAPIDNN_THROW_IF_NOT(y_.size() == z_.size(), InvalidArgument,
                       "activation table has {} y values but {} z values", y_.size(), z_.size());
  RAPIDNN_THROW_IF_NOT(y_.size() >= 2 && y_.size() <= kMaxCodebookSize, InvalidArgument,
                       "activation table rows {} outside 2..{}", y_.size(), kMaxCodebookSize);
  search_ = NearestEncoder(y_);
}

ActivationTable make_activation_table(nn::Activation function, int q, float a, float b,
                                      TablePlacement placement) {
  RAPIDNN_THROW_IF_NOT(q >= 2 && q <= kMaxCodebookSize, InvalidArgument,
                       "activation table rows q = {} outside 2..{}", q, kMaxCodebookSize);
  RAPIDNN_THROW_IF_NOT(std::isfinite(a) && std::isfinite(b) && a < b, InvalidArgument,
                       "activation table domain [{}, {}] is not a finite interval with A < B", a, b);
  std::vector<float> y(static_cast<std::size_t>(q)), z(y.size());
  if (placement == TablePlacement::kUniform) {
    for (int i = 0; i < q; ++i) y[static_cast<std::size_t>(i)] = a + (b - a) * static_cast<float>(i) / static_cast<float>(q - 1);
  } else {
    // Arc length of the normalised graph (x~, z~) in [0,1]^2 on a fine grid, then each row at
    // an equal share of the total length (inverse by linear interpolation).
    constexpr int kGrid = 8192;
    std::vector<double> f(kGrid + 1), s(kGrid + 1, 0.0);
    for (int g = 0; g <= kGrid; ++g)
      f[g] = nn::activate(function, static_cast<float>(a + (double{b} - a) * g / kGrid));
    const auto [fmin, fmax] = std::minmax_element(f.begin(), f.end());
    const double range = *fmax - *fmin;
    for (int g = 1; g <= kGrid; ++g) {
      const double dz = range > 0 ? (f[g] - f[g - 1]) / range : 0.0;
      s[g] = s[g - 1] + std::hypot(1.0 / kGrid, dz);
    }
    int g = 0;
    for (int i = 0; i < q; ++i) {
      const double target = s[kGrid] * i / (q - 1);
      while (g < kGrid - 1 && s[g + 1] < target) ++g;
      const double t = std::clamp((target - s[g]) / (s[g + 1] - s[g]), 0.0, 1.0);
      y[static_cast<std::size_t>(i)] = static_cast<float>(a + (double{b} - a) * (g + t) / kGrid);
    }
    y.front() = a;
    y.back() = b;
    for (std::size_t i = 1; i < y.size(); ++i) y[i] = std::max(y[i], y[i - 1]);
  }
  for (std::size_t i = 0; i < y.size(); ++i) z[i] = nn::activate(function, y[i]);
  return ActivationTable(function, std::move(y), std::move(z));
}

std::pair<float, float> clip_domain(std::span<const float> pre_activations, double quantile) {
  RAPIDNN_THROW_IF_NOT(!pre_activations.empty(), InvalidArgument, "no pre-activation samples for the clip domain");
  RAPIDNN_THROW_IF_NOT(quantile >= 0.0 && quantile < 0.5, InvalidArgument,
                       "clip quantile {} outside [0, 0.5)", quantile);
  std::vector<float> v(pre_activations.begin(), pre_activations.end());
  const auto n = v.size();
  const auto lo_i = static_cast<std::size_t>(std::floor(quantile * static_cast<double>(n - 1)));
  const auto hi_i = n - 1 - lo_i;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo_i), v.end());
  const float lo = v[lo_i];
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(hi_i), v.end());
  float hi = v[hi_i];
  if (!(lo < hi)) hi = lo + std::max(1e-6f, std::abs(lo) * 1e-6f);
  return {lo, hi};
}

}  // namespace rapidnn::composer
