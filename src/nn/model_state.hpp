#pragma once
// A neutral in-memory form of a model's weights, which src/io writes to and reads from HDF5.
// Tensor names are "<layer name>/<param name>" (e.g. "dense_1/weights", "bn_conv1/running_mean");
// shapes are the logical ones of ParamRef/BufferRef (Dense {out, in}, Conv2D {out, in, kh, kw},
// biases and BatchNorm vectors {n}).
#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.hpp"

namespace rapidnn::nn {

struct NamedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // row-major, product(shape) values
};

struct ModelState {
  std::string topology;
  std::vector<NamedTensor> tensors;  // in node order, params then buffers
};

ModelState export_state(const Model& model);
/// Copies every tensor into the model. Throws InvalidArgument when the topology differs, a
/// tensor is missing or unexpected, or a shape differs (the message names tensor and shapes).
void import_state(Model& model, const ModelState& state);

}  // namespace rapidnn::nn
