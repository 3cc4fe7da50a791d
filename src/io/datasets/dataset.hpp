#pragma once
// An in-memory labelled data set as every reader returns it: row-major float features and int32
// class labels, plus the image geometry when the features are pixels (the nn module needs it to
// feed a Conv2D stack; tabular data sets such as ISOLET and HAR have shape {1, 1, d}).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rapidnn::datasets {

/// Geometry of one sample, channel-major (CHW) as the IDX and CIFAR files store it.
struct SampleShape {
  int channels = 1;
  int height = 1;
  int width = 1;
  std::int64_t size() const { return std::int64_t{channels} * height * width; }
  bool operator==(const SampleShape&) const = default;
};

struct Dataset {
  std::string name;                   ///< e.g. "fashion-mnist/test", "isolet", "cifar10"
  std::vector<float> features;        ///< row-major n x d
  std::vector<std::int32_t> labels;   ///< n labels in [0, classes)
  std::int64_t n = 0;                 ///< number of samples
  std::int64_t d = 0;                 ///< features per sample (== shape.size())
  int classes = 0;                    ///< number of output classes
  SampleShape shape;                  ///< {channels, height, width}; {1, 1, d} for tabular data

  std::span<const float> row(std::int64_t i) const {
    return {features.data() + i * d, static_cast<std::size_t>(d)};
  }
  std::span<float> row(std::int64_t i) { return {features.data() + i * d, static_cast<std::size_t>(d)}; }
};

/// Throws InvalidArgument naming the data set when sizes disagree (features.size() != n*d,
/// labels.size() != n, shape.size() != d) or a label lies outside [0, classes).
void check_consistent(const Dataset& data);

/// Per-class sample counts (size `classes`).
std::vector<std::int64_t> label_histogram(const Dataset& data);

}  // namespace rapidnn::datasets
