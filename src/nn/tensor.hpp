#pragma once
// The one tensor type of the nn module: a row-major float matrix whose rows are the samples of a
// mini-batch and whose columns are features. Image features are laid out channel-major,
// column = c*H*W + y*W + x, so a Flatten layer moves no data and Dense sees the same columns.
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace rapidnn::nn {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Per-sample feature shape: channels x height x width. A flat feature vector of n values is
/// Shape{n, 1, 1}.
struct Shape {
  int c = 0;
  int h = 1;
  int w = 1;
  std::int64_t size() const { return std::int64_t{c} * h * w; }
  bool operator==(const Shape&) const = default;
};

std::string to_string(const Shape& s);

}  // namespace rapidnn::nn
