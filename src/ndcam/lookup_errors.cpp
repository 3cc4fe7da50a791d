#include "ndcam/lookup_errors.hpp"

#include "core/error.hpp"

namespace rapidnn::ndcam {

SearchErrorInjector::SearchErrorInjector(std::uint64_t seed, std::vector<SearchErrorModel> encoding,
                                         std::vector<SearchErrorModel> activation)
    : seed_(seed), encoding_(std::move(encoding)), activation_(std::move(activation)) {}

std::uint64_t SearchErrorInjector::rng_item(const composer::LookupSite& site) {
  RAPIDNN_THROW_IF_NOT(site.image >= 0 && site.image < (std::int64_t{1} << 24), InvalidArgument,
                       "ndcam: lookup image index {} outside [0, 2^24)", site.image);
  RAPIDNN_THROW_IF_NOT(site.step >= 0 && site.step < 128, InvalidArgument,
                       "ndcam: lookup step {} outside [0, 128)", site.step);
  RAPIDNN_THROW_IF_NOT(site.neuron >= 0 && site.neuron < (std::int64_t{1} << 32), InvalidArgument,
                       "ndcam: lookup neuron {} outside [0, 2^32)", site.neuron);
  return (static_cast<std::uint64_t>(site.image) << 40) | (static_cast<std::uint64_t>(site.step) << 33) |
         (static_cast<std::uint64_t>(site.kind) << 32) | static_cast<std::uint64_t>(site.neuron);
}

int SearchErrorInjector::returned_row(int row, int rows, const composer::LookupSite& site) const {
  const auto& models = site.kind == composer::LookupKind::kEncoding ? encoding_ : activation_;
  if (models.empty()) return row;
  RAPIDNN_ASSERT(site.table >= 0 && static_cast<std::size_t>(site.table) < models.size());
  const SearchErrorModel& m = models[static_cast<std::size_t>(site.table)];
  if (m.error_free()) return row;
  CounterRng rng(seed_, RngDomain::kSearchError, rng_item(site));
  return m.returned_row(row, rows, rng);
}

}  // namespace rapidnn::ndcam
