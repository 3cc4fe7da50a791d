#pragma once
// Sampled layer inputs for the input codebooks (Sec. 3.1: "sample inputs" of every layer), at
// ImageNet scale: each rank forwards its block of the sample images through the model and keeps,
// per Dense/Conv2D layer, the activations with the smallest random keys; the global sample of a
// layer is the `reservoir` activations with the smallest keys over ALL ranks (bottom-k /
// priority sampling). A key is Philox(seed, kSampling, hash(node, image, element)), a 64-bit
// integer fixed by the item alone, so the sample -- and every codebook clustered from it with
// sharded_kmeans / sharded_tree -- is the same for any rank count (ranks take whole global
// batches, so every image is forwarded in the same batch whatever the rank count).
// The global cut-off key is found by a binary search over the key space with integer
// allreduces (64 steps of one word): nothing but counts is communicated.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nn/model.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

struct ActivationSampleParams {
  std::uint64_t images = 64;      ///< sample images forwarded (split over the ranks)
  std::uint64_t reservoir = 4096;  ///< activations kept per layer (globally)
  int batch = 16;                  ///< images per forward pass
  std::uint64_t seed = 1;
};

/// Pixels of image i (input_shape().size() values, channel-major), e.g. from a dataset reader.
using ImageSource = std::function<std::vector<float>(std::uint64_t image)>;

/// Synthetic images with a fixed seed: N(0, 1) pixels, image i drawn from
/// CounterRng(seed, kSyntheticData, 2^62 + i).
ImageSource synthetic_images(std::uint64_t seed, std::int64_t pixels);

struct LayerSample {
  int node = 0;
  std::string name;
  std::uint64_t seen = 0;     ///< activations offered to the sampler over all ranks
  std::vector<float> values;  ///< this rank's part of the global sample (order unspecified)
};

/// Collective. One entry per Dense/Conv2D node of the model, in node order.
std::vector<LayerSample> sample_activations(const par::Communicator& comm, nn::Model& model,
                                            const ImageSource& images, const ActivationSampleParams& params);

}  // namespace rapidnn::distributed
