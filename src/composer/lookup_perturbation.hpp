#pragma once
// Hook for search errors in the LUT inference's associative-memory lookups (the NDCAM accuracy
// loop, src/ndcam/lookup_errors.hpp): an encoding lookup (a value -> the nearest codebook row)
// and a q-row activation-table lookup (y -> the row with the nearest y) may return another row
// than the nearest one. Comparator ReLU (q = 0) and pooling are not lookups and are left alone.
//
// A lookup is identified by its site: which lookup of the plan (step position and kind, the
// table it searches), the image (global sample index: InferenceOptions::first_image + row) and
// the neuron (column of the layer's output). An implementation must answer from the site alone
// (e.g. a counter-based RNG keyed by it), so results do not depend on threads, blocks or ranks.
#include <cstdint>

namespace rapidnn::composer {

enum class LookupKind : std::uint32_t { kEncoding = 0, kActivation = 1 };

struct LookupSite {
  LookupKind kind = LookupKind::kEncoding;
  int step = 0;           ///< position of the step in ComposedModel::steps()
  int table = 0;          ///< kEncoding: compute stage whose input codebook is searched; kActivation: activation stage
  std::int64_t image = 0;
  std::int64_t neuron = 0;
  float value = 0.0f;     ///< the value searched for (before the table's clipping)
};

class LookupPerturbation {
 public:
  virtual ~LookupPerturbation() = default;
  /// The row the search returns when `row` (of a `rows`-row table) is the nearest one.
  virtual int returned_row(int row, int rows, const LookupSite& site) const = 0;
};

}  // namespace rapidnn::composer
