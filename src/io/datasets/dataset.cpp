#include "io/datasets/dataset.hpp"

#include "core/error.hpp"

namespace rapidnn::datasets {

void check_consistent(const Dataset& data) {
  RAPIDNN_THROW_IF_NOT(data.n >= 0 && data.d >= 0 && data.classes >= 0, InvalidArgument,
                       "data set '{}': negative size n={} d={} classes={}", data.name, data.n, data.d,
                       data.classes);
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(data.features.size()) == data.n * data.d,
                       InvalidArgument, "data set '{}': {} feature values, expected n*d = {}*{} = {}",
                       data.name, data.features.size(), data.n, data.d, data.n * data.d);
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(data.labels.size()) == data.n, InvalidArgument,
                       "data set '{}': {} labels, expected n = {}", data.name, data.labels.size(), data.n);
  RAPIDNN_THROW_IF_NOT(data.shape.size() == data.d, InvalidArgument,
                       "data set '{}': shape {}x{}x{} has {} values, expected d = {}", data.name,
                       data.shape.channels, data.shape.height, data.shape.width, data.shape.size(), data.d);
  for (std::int64_t i = 0; i < data.n; ++i) {
    const auto label = data.labels[static_cast<std::size_t>(i)];
    RAPIDNN_THROW_IF_NOT(label >= 0 && label < data.classes, InvalidArgument,
                         "data set '{}': sample {}: label {} out of range [0, {}]", data.name, i, label,
                         data.classes - 1);
  }
}

std::vector<std::int64_t> label_histogram(const Dataset& data) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(data.classes), 0);
  for (const auto label : data.labels) {
    RAPIDNN_ASSERT(label >= 0 && label < data.classes);
    ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

}  // namespace rapidnn::datasets
