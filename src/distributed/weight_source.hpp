#pragma once
// Where a codebook job's weights come from. Every source serves row blocks of a layer's
// (fan_in x outputs) matrix (Keras kernel layout), so a rank only ever holds its own shard.
//  * SyntheticWeights: a documented distribution, reproducible from the seed alone:
//      w[l][i][j] ~ Laplace(0, b_l), b_l = 1 / sqrt(fan_in_l)   (variance 2 / fan_in_l, He et al.
//      2015 scaling; Laplace because trained conv/FC weights are sharply peaked at 0 with heavy
//      tails). Element e = i * outputs + j is draw (e mod 4096) of CounterRng::laplace32 (one 32-bit
//      draw per value) of
//      CounterRng(seed, kSyntheticData, (l + 1) << 40 | e / 4096): independent of rank and shard.
//  * KerasWeights: the "kernel:0" dataset of each layer of a keras.applications HDF5 weight file,
//    matched to the topology's Dense/Conv layers in order and shape-checked up front.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "distributed/work_plan.hpp"
#include "io/keras_weights.hpp"

namespace rapidnn::distributed {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  /// Rows [row_begin, row_end) of the layer's weight matrix, row-major.
  virtual std::vector<float> rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const = 0;
  /// One line for the result file ("synthetic laplace seed 7", "keras FILE").
  virtual std::string describe() const = 0;
};

class SyntheticWeights final : public WeightSource {
 public:
  SyntheticWeights(std::vector<LayerSpec> layers, std::uint64_t seed);
  std::vector<float> rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const override;
  std::string describe() const override;
  /// Laplace scale b of a layer (1 / sqrt(fan_in)).
  static double laplace_scale(const LayerSpec& layer);

 private:
  std::vector<LayerSpec> layers_;
  std::uint64_t seed_;
};

class KerasWeights final : public WeightSource {
 public:
  /// Opens the file and checks that its kernel layers match `layers` one to one, in order, with
  /// matching shapes. Throws IoError naming the file, both layer names and both shapes otherwise.
  KerasWeights(const std::filesystem::path& path, std::vector<LayerSpec> layers);
  std::vector<float> rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const override;
  std::string describe() const override;
  /// The Keras layer name matched to each topology layer.
  const std::vector<std::string>& keras_layers() const { return keras_layers_; }

 private:
  io::KerasWeightFile file_;
  std::vector<LayerSpec> layers_;
  std::vector<std::string> keras_layers_, kernel_names_;
};

/// rapidnn's own model files (io/model_file.hpp: GROUP/tensors/<layer>/weights, Dense {out, in},
/// Conv2D {out, in, kh, kw}), matched to the topology's layers in order and shape-checked up front.
/// A layer is read whole (and transposed to the (fan_in x outputs) layout) when a rank needs
/// any of its rows, so a sharded layer costs each rank the whole layer's memory while loading.
class ModelFileWeights final : public WeightSource {
 public:
  ModelFileWeights(const std::filesystem::path& path, const std::string& group, std::vector<LayerSpec> layers);
  std::vector<float> rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const override;
  std::string describe() const override;

 private:
  std::filesystem::path path_;
  std::string group_;
  std::vector<LayerSpec> layers_;
  std::vector<std::string> tensors_;
};

/// Dense and Conv layers (those with weights) of a zoo topology (accel::zoo_shape names:
/// mnist_mlp, cifar10_cnn, alexnet, vgg16, googlenet, resnet152, ...).
std::vector<LayerSpec> topology_layers(const std::string& topology);

}  // namespace rapidnn::distributed
