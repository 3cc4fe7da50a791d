#include "io/datasets/subset.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace rapidnn::datasets {

Dataset select_rows(const Dataset& data, std::span<const std::int64_t> indices) {
  Dataset out;
  out.name = data.name;
  out.d = data.d;
  out.classes = data.classes;
  out.shape = data.shape;
  out.n = static_cast<std::int64_t>(indices.size());
  out.features.reserve(indices.size() * static_cast<std::size_t>(data.d));
  out.labels.reserve(indices.size());
  for (const auto i : indices) {
    RAPIDNN_THROW_IF_NOT(i >= 0 && i < data.n, InvalidArgument,
                         "select_rows: index {} outside data set '{}' of {} samples", i, data.name, data.n);
    const auto row = data.row(i);
    out.features.insert(out.features.end(), row.begin(), row.end());
    out.labels.push_back(data.labels[static_cast<std::size_t>(i)]);
  }
  return out;
}

Dataset take_first(const Dataset& data, std::int64_t count) {
  RAPIDNN_THROW_IF_NOT(count >= 0, InvalidArgument, "take_first: count = {} is negative", count);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(std::min(count, data.n)));
  std::iota(idx.begin(), idx.end(), std::int64_t{0});
  return select_rows(data, idx);
}

std::vector<std::int64_t> sample_indices(std::int64_t n, std::int64_t count, std::uint64_t seed) {
  RAPIDNN_THROW_IF_NOT(count >= 0 && count <= n, InvalidArgument,
                       "sample_indices: cannot draw {} distinct samples from {}", count, n);
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), std::int64_t{0});
  for (std::int64_t i = 0; i < count; ++i) {
    CounterRng rng(seed, kDatasetSubsetDomain, static_cast<std::uint64_t>(i));
    const auto j = i + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
  }
  perm.resize(static_cast<std::size_t>(count));
  std::sort(perm.begin(), perm.end());
  return perm;
}

Dataset sample_subset(const Dataset& data, std::int64_t count, std::uint64_t seed) {
  return select_rows(data, sample_indices(data.n, count, seed));
}

}  // namespace rapidnn::datasets
