#pragma once
// Injects measured NDCAM search errors (SearchErrorModel, one per table) into the composer's
// LUT inference: the composer::LookupPerturbation that the accuracy loop passes in
// InferenceOptions. Lookup (kind, step, image, neuron) draws from
//   CounterRng(seed, RngDomain::kSearchError, image * 2^40 + step * 2^33 + kind * 2^32 + neuron)
// so a result depends only on the seed and the lookup, never on threads, blocks or ranks.
// Separate library (rapidnn::ndcam_composer) so that the NDCAM model does not depend on the
// composer.
#include <cstdint>
#include <vector>

#include "composer/lookup_perturbation.hpp"
#include "ndcam/search_error.hpp"

namespace rapidnn::ndcam {

class SearchErrorInjector final : public composer::LookupPerturbation {
 public:
  /// `encoding[s]`: errors of compute stage s's input-codebook search; `activation[a]`: of
  /// activation stage a's table search (ignored for exact activations). An empty vector means
  /// error-free lookups of that kind. The lookup's nearest row selects the row's model.
  SearchErrorInjector(std::uint64_t seed, std::vector<TableSearchErrors> encoding,
                      std::vector<TableSearchErrors> activation);

  int returned_row(int row, int rows, const composer::LookupSite& site) const override;

  /// The RNG item of a site (public for tests). Throws InvalidArgument outside the key's ranges
  /// (image < 2^24, step < 128, neuron < 2^32).
  static std::uint64_t rng_item(const composer::LookupSite& site);

 private:
  std::uint64_t seed_;
  std::vector<TableSearchErrors> encoding_, activation_;
};

/// Records the values the network looks up (no errors injected): values(kind, table) holds,
/// image by image in order, every value searched in that table by images
/// [first_image, first_image + images). Each image's values are written only by the thread that
/// runs that image, so recording is race-free and the order does not depend on threads.
class LookupRecorder final : public composer::LookupPerturbation {
 public:
  LookupRecorder(int encoding_tables, int activation_tables, std::int64_t first_image, std::int64_t images);
  int returned_row(int row, int rows, const composer::LookupSite& site) const override;
  std::vector<float> values(composer::LookupKind kind, int table) const;

 private:
  std::int64_t first_, images_;
  // [kind][table][image] -> values in lookup order
  mutable std::vector<std::vector<std::vector<std::vector<float>>>> slots_;
};

}  // namespace rapidnn::ndcam
