#pragma once
// rapidnn's own model format inside any result file: a group holding
//   attrs  topology (zoo name), input_shape [c, h, w], classes, tensor_names [...]
//   tensors/<layer>/<param>   float32 datasets with the tensor's logical shape
// so a trained model can be loaded again without recomputation (and read from h5py).
#include <string>

#include "io/result_file.hpp"
#include "io/result_reader.hpp"
#include "nn/model.hpp"

namespace rapidnn::io {

/// Collective on `out`: every rank passes a model of the same topology and shapes; only the
/// values of rank `owner` are written (so a model trained on one rank needs no broadcast).
void write_model(ResultFile& out, const std::string& group, const nn::Model& model, int owner = 0);
/// Rebuilds the zoo topology recorded in the group and loads its tensors. Throws IoError naming
/// the file and group when something is missing or a shape does not match.
nn::Model read_model(const ResultReader& in, const std::string& group);

}  // namespace rapidnn::io
