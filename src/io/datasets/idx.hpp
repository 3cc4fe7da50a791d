#pragma once
// IDX files (LeCun's MNIST format, also used by Fashion-MNIST), raw or gzip-compressed:
//   images: magic 0x00000803 (unsigned byte, 3 dims), n, rows, cols (big-endian u32), n*rows*cols bytes
//   labels: magic 0x00000801 (unsigned byte, 1 dim), n, n bytes
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/datasets/dataset.hpp"

namespace rapidnn::datasets {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;

struct IdxImages {
  std::int64_t count = 0;  ///< images read (the header count, or fewer when limited)
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols, row-major per image
};

/// Reads the first `limit` images (all when limit < 0). Reading the whole file also rejects
/// trailing bytes after the last image. Errors (IoError) name the file and byte offset.
IdxImages read_idx_images(const std::filesystem::path& path, std::int64_t limit = -1);

/// Reads the first `limit` labels (all when limit < 0); each must lie in [0, classes).
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path, int classes = 10,
                                          std::int64_t limit = -1);

/// An image file and its label file as one data set; features are the raw pixel values 0..255
/// (see normalize.hpp), shape {1, rows, cols}. The two files must hold the same number of items
/// (checked on the header counts, also when limited).
Dataset load_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels,
                      int classes = 10, std::int64_t limit = -1, std::string name = "idx");

/// MNIST or Fashion-MNIST from the directory of the four standard files
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte, each as .gz or uncompressed (.gz preferred).
/// split: "train" or "test" (also "t10k"). Name: "<dir basename>/<split>".
Dataset load_mnist_format(const std::filesystem::path& dir, const std::string& split,
                          std::int64_t limit = -1);

/// The Debian package dataset-fashion-mnist installs the files here.
inline const std::filesystem::path kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Fashion-MNIST (and MNIST, whose files have the same names): same as load_mnist_format.
inline Dataset load_fashion_mnist(const std::filesystem::path& dir, const std::string& split,
                                  std::int64_t limit = -1) {
  return load_mnist_format(dir, split, limit);
}

}  // namespace rapidnn::datasets
