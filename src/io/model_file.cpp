#include "io/model_file.hpp"

#include "core/error.hpp"
#include "nn/model_state.hpp"
#include "nn/zoo.hpp"

namespace rapidnn::io {

void write_model(ResultFile& out, const std::string& group, const nn::Model& model, int owner) {
  const nn::ModelState state = nn::export_state(model);
  out.create_group(group);
  out.set_attr(group, "topology", state.topology);
  const nn::Shape in = model.input_shape();
  const std::vector<double> shape{double(in.c), double(in.h), double(in.w)};
  out.set_attr(group, "input_shape", std::span<const double>(shape));
  out.set_attr(group, "classes", model.num_classes());
  std::vector<std::string> names;
  for (const auto& t : state.tensors) {
    names.push_back(t.name);
    std::vector<std::uint64_t> dims(t.shape.begin(), t.shape.end());
    if (dims.empty()) dims = {t.data.size()};
    const bool mine = out.comm().rank() == owner;
    out.write_rows<float>(group + "/tensors/" + t.name,
                          mine ? std::span<const float>(t.data) : std::span<const float>(), dims, 0);
  }
  out.set_attr(group, "tensor_names", names);
}

nn::Model read_model(const ResultReader& in, const std::string& group) {
  const std::string ctx = fmt::format("{}: model group '{}'", in.path().string(), group);
  RAPIDNN_THROW_IF_NOT(in.exists(group), IoError, "{}: not found", ctx);
  nn::ModelState state;
  state.topology = in.attr_string(group, "topology");
  const auto shape = in.attr_doubles(group, "input_shape");
  RAPIDNN_THROW_IF_NOT(shape.size() == 3, IoError, "{}: input_shape has {} values, expected 3", ctx, shape.size());
  const int classes = static_cast<int>(in.attr_int(group, "classes"));
  nn::Model model = nn::zoo::build(state.topology, {int(shape[0]), int(shape[1]), int(shape[2])}, classes, 0);
  for (const auto& name : in.attr_strings(group, "tensor_names")) {
    const std::string path = group + "/tensors/" + name;
    RAPIDNN_THROW_IF_NOT(in.exists(path), IoError, "{}: tensor '{}' is missing", ctx, name);
    nn::NamedTensor t{name, {}, in.read<float>(path)};
    for (auto d : in.dims(path)) t.shape.push_back(static_cast<std::int64_t>(d));
    state.tensors.push_back(std::move(t));
  }
  try {
    nn::import_state(model, state);
  } catch (const InvalidArgument& e) {
    throw IoError(fmt::format("{}: {}", ctx, e.what()));
  }
  return model;
}

}  // namespace rapidnn::io
