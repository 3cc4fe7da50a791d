#pragma once
// LUT inference of a ComposedModel (the software "error estimation" model of paper Sec 3.2).
//
// Weighted accumulation, the RNA way (Sec 4.1): for each neuron, count how often each
// (weight code a, input code b) pair occurs among its incoming edges, then sum
// count(a, b) x product(a, b) over the pairs. Two equivalent counting layouts are used,
// whichever touches less memory: a dense w x u counter array (when w*u <= fan_in) or a sparse
// one that remembers the pairs it touched (at most fan_in of them). Counts are exact integers
// and every sum runs in a fixed order, so results do not depend on threads or ranks.
//
// The reference accumulation decodes every code to its centroid and multiplies with Eigen
// (dequantized weights x decoded inputs); it computes the same sums in another order, so it
// agrees with counting to float rounding. Everything else (encoding, activation tables,
// pooling on codes) is shared by both.
#include <cstdint>
#include <span>
#include <vector>

#include "composer/composed_model.hpp"
#include "composer/lookup_perturbation.hpp"
#include "nn/tensor.hpp"

namespace rapidnn::composer {

enum class Accumulation { kCounting, kReference };

struct InferenceOptions {
  Accumulation accumulation = Accumulation::kCounting;
  /// Rows per task; a fixed block size keeps every result independent of the thread count.
  int block_rows = 32;
  /// Search errors injected into encoding and activation-table lookups (none when null).
  const LookupPerturbation* perturbation = nullptr;
  /// Global index of the first row of x (the image index of LookupSite), for data split over ranks.
  std::int64_t first_image = 0;
};

/// Logits (rows = samples, cols = classes).
nn::Matrix lut_logits(const ComposedModel& model, const nn::Matrix& x, const InferenceOptions& options = {});
std::vector<int> lut_predict(const ComposedModel& model, const nn::Matrix& x, const InferenceOptions& options = {});
/// Fraction of rows whose predicted class differs from the label.
double lut_error(const ComposedModel& model, const nn::Matrix& x, std::span<const int> labels,
                 const InferenceOptions& options = {});

/// One neuron, counting: sum over pairs (a, b) of count(a, b) * products[a*u + b] for the n
/// edges (weight_codes[k], input_codes[k]), plus bias. When `counts` is given it receives the
/// w*u pair counts (for tests and inspection).
float counted_accumulation(std::span<const Code> weight_codes, std::span<const Code> input_codes,
                           std::span<const float> products, int w, int u, float bias,
                           std::vector<std::uint32_t>* counts = nullptr);

}  // namespace rapidnn::composer
