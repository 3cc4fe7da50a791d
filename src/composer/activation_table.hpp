#pragma once
// The activation AM block (paper Sec 2.2, Figure 2c): q (y, z) rows over a clipped domain
// [A, B]; an input y returns the z of the row whose y is nearest (values outside [A, B] get the
// end rows, i.e. the function is clipped where it saturates). Rows are placed either uniformly
// or at equal arc length along the graph of the function normalised to the unit square, which
// puts more rows where the function changes fast and bends (the sigmoid's shoulders), fewer on
// flat stretches.
#include <span>
#include <utility>
#include <vector>

#include "composer/nearest_encoder.hpp"
#include "nn/activation.hpp"

namespace rapidnn::composer {

enum class TablePlacement { kUniform, kArcLength };

class ActivationTable {
 public:
  ActivationTable() = default;
  /// Rows as given (y ascending, same length as z, 2..256 rows).
  ActivationTable(nn::Activation function, std::vector<float> y, std::vector<float> z);

  nn::Activation function() const { return function_; }
  int rows() const { return static_cast<int>(y_.size()); }
  const std::vector<float>& y() const { return y_; }
  const std::vector<float>& z() const { return z_; }
  /// Nearest-distance search on y (ties to the lower row), returns that row's z.
  float lookup(float x) const { return z_[search_.encode(x)]; }
  /// The row lookup(x) reads.
  int row_of(float x) const { return search_.encode(x); }

 private:
  nn::Activation function_ = nn::Activation::kReLU;
  std::vector<float> y_, z_;
  NearestEncoder search_;
};

/// q rows (2..256) over [a, b] (a < b) with z = f(y). Throws InvalidArgument otherwise.
ActivationTable make_activation_table(nn::Activation function, int q, float a, float b,
                                      TablePlacement placement = TablePlacement::kArcLength);

/// The clipping domain [A, B] from sampled pre-activations: their `quantile` and 1-quantile
/// order statistics (quantile 0 = min/max). Widened to a non-empty interval when all are equal.
std::pair<float, float> clip_domain(std::span<const float> pre_activations, double quantile);

}  // namespace rapidnn::composer
