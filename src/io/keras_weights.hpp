#pragma once
// Reader for Keras HDF5 weight files in the keras.applications layout
// (e.g. vgg16_weights_tf_dim_ordering_tf_kernels.h5):
//   root attribute  layer_names  = [b"block1_conv1", ..., b"predictions"]
//   /<layer>        attribute weight_names = [b"<layer>/kernel:0", b"<layer>/bias:0"]
//   /<layer>/<weight_name>       float dataset; Dense kernel (in, out), Conv2D kernel (kh, kw, in, out)
// Strings may be fixed-length (what h5py writes for numpy bytes arrays, as Keras does) or
// variable-length. The file is opened serially and read-only; each rank reads only the rows it
// needs (read_rows), so a sharded layer (VGG-16 fc1 = fc6, 103M weights) never sits whole in one
// rank's memory.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/h5.hpp"

namespace rapidnn::io {

class KerasWeightFile {
 public:
  /// Throws IoError naming the file when it is missing, not HDF5, or has no layer_names attribute.
  explicit KerasWeightFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  /// The root attribute layer_names, in file order.
  const std::vector<std::string>& layer_names() const { return layers_; }
  /// The weight_names attribute of a layer (empty for layers without weights, e.g. pooling).
  std::vector<std::string> weight_names(const std::string& layer) const;
  /// Layers that hold a weight whose name ends in "kernel:0" (Dense, Conv2D), in file order.
  std::vector<std::string> kernel_layers() const;
  /// Full weight name of the layer's "kernel:0" / "bias:0" (IoError naming the layer if absent).
  std::string find_weight(const std::string& layer, const std::string& suffix) const;
  /// Shape of /<layer>/<weight_name>.
  std::vector<std::uint64_t> shape(const std::string& layer, const std::string& weight_name) const;
  /// Rows [row_begin, row_end) of the weight viewed as a matrix (product of all but the last
  /// dimension) x (last dimension), row-major, converted to float.
  std::vector<float> read_rows(const std::string& layer, const std::string& weight_name,
                               std::uint64_t row_begin, std::uint64_t row_end) const;
  /// The whole weight, row-major.
  std::vector<float> read_all(const std::string& layer, const std::string& weight_name) const;

 private:
  std::vector<std::string> string_attr(hid_t object, const std::string& object_name,
                                       const std::string& attr) const;
  std::filesystem::path path_;
  H5Handle file_;
  std::vector<std::string> layers_;
};

/// "(3, 3, 64, 128)" (Python tuple style, as Keras prints shapes).
std::string shape_string(const std::vector<std::uint64_t>& shape);

}  // namespace rapidnn::io
