#include "ndcam/lookup_errors.hpp"

#include "core/error.hpp"

namespace rapidnn::ndcam {

SearchErrorInjector::SearchErrorInjector(std::uint64_t seed, std::vector<TableSearchErrors> encoding,
                                         std::vector<TableSearchErrors> activation)
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
  const SearchErrorModel& m = models[static_cast<std::size_t>(site.table)].for_row(row);
  if (m.error_free()) return row;
  CounterRng rng(seed_, RngDomain::kSearchError, rng_item(site));
  return m.returned_row(row, rows, rng);
}

LookupRecorder::LookupRecorder(int encoding_tables, int activation_tables, std::int64_t first_image,
                               std::int64_t images)
    : first_(first_image), images_(images) {
  RAPIDNN_THROW_IF_NOT(encoding_tables >= 0 && activation_tables >= 0 && images >= 0, InvalidArgument,
                       "ndcam: recorder needs non-negative sizes, got {}, {}, {}", encoding_tables,
                       activation_tables, images);
  slots_.resize(2);
  slots_[0].assign(static_cast<std::size_t>(encoding_tables), std::vector<std::vector<float>>(static_cast<std::size_t>(images)));
  slots_[1].assign(static_cast<std::size_t>(activation_tables), std::vector<std::vector<float>>(static_cast<std::size_t>(images)));
}

int LookupRecorder::returned_row(int row, int /*rows*/, const composer::LookupSite& site) const {
  auto& tables = slots_[static_cast<std::size_t>(site.kind)];
  const std::int64_t image = site.image - first_;
  RAPIDNN_ASSERT(site.table >= 0 && static_cast<std::size_t>(site.table) < tables.size());
  RAPIDNN_ASSERT(image >= 0 && image < images_);
  tables[static_cast<std::size_t>(site.table)][static_cast<std::size_t>(image)].push_back(site.value);
  return row;
}

std::vector<float> LookupRecorder::values(composer::LookupKind kind, int table) const {
  const auto& tables = slots_[static_cast<std::size_t>(kind)];
  RAPIDNN_THROW_IF_NOT(table >= 0 && static_cast<std::size_t>(table) < tables.size(), InvalidArgument,
                       "ndcam: recorder has no table {} of this kind", table);
  std::vector<float> out;
  for (const auto& image : tables[static_cast<std::size_t>(table)]) out.insert(out.end(), image.begin(), image.end());
  return out;
}

}  // namespace rapidnn::ndcam
