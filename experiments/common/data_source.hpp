#pragma once
// The [data] description shared by every experiment that reads a data set: which reader, which
// files, how many samples, how to normalise. Relative paths resolve against the config's folder.
//
//   dataset     = "fashion-mnist" | "mnist" | "isolet" | "har" | "cifar10" | "cifar100"
//   dir         = folder (IDX pair for (fashion-)mnist, "UCI HAR Dataset" for har)
//   train_files = [...], test_files = [...]   (isolet: one .data file each; cifar: batches)
//   train_limit / test_limit = -1 (all) or the first N samples
//   normalize   = "unit" (divide by 255) | "standardize" (train mean/std) | "none"
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "io/datasets/dataset.hpp"
#include "nn/tensor.hpp"

namespace rapidnn::experiments {

struct DataSource {
  std::string dataset;
  std::filesystem::path dir;
  std::vector<std::filesystem::path> train_files, test_files;
  std::int64_t train_limit = -1, test_limit = -1;
  std::string normalize;
};

/// Reads the data keys from `node` (a run table or a [data] table).
DataSource parse_data_source(ConfigNode& node, const std::filesystem::path& config_dir);

/// Sample shape and class count the data set has (known without reading it); load_data checks them.
struct DataGeometry {
  nn::Shape shape;
  int classes = 0;
};
DataGeometry data_geometry(const DataSource& source);

struct LoadedData {
  datasets::Dataset train, test;
};
/// Loads and normalises both splits (normalisation statistics from the training split).
/// Throws IoError when the files do not have the geometry of their data set.
LoadedData load_data(const DataSource& source);

/// Features as an nn::Matrix (rows = samples) and labels as int.
nn::Matrix to_matrix(const datasets::Dataset& data);
std::vector<int> to_labels(const datasets::Dataset& data);

}  // namespace rapidnn::experiments
