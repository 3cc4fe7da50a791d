#include "nn/model_state.hpp"

#include <map>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace rapidnn::nn {

namespace {
struct Slot {
  std::string name;
  Matrix* value;
  std::vector<std::int64_t> shape;
};

// Every exported tensor of the model in node order: params, then buffers.
std::vector<Slot> slots(Model& model) {
  std::vector<Slot> all;
  for (int i = 0; i < model.node_count(); ++i) {
    Layer& layer = model.layer(i);
    for (ParamRef& p : layer.params()) {
      all.push_back({layer.name() + "/" + p.name, p.value, std::move(p.shape)});
    }
    for (BufferRef& b : layer.buffers()) {
      all.push_back({layer.name() + "/" + b.name, b.value, std::move(b.shape)});
    }
  }
  return all;
}

std::int64_t product(const std::vector<std::int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}
}  // namespace

ModelState export_state(const Model& model) {
  ModelState state;
  state.topology = model.topology();
  // slots() only reads through the pointers here.
  for (Slot& s : slots(const_cast<Model&>(model))) {
    RAPIDNN_ASSERT(product(s.shape) == s.value->size());
    state.tensors.push_back(
        {s.name, s.shape, std::vector<float>(s.value->data(), s.value->data() + s.value->size())});
  }
  return state;
}

void import_state(Model& model, const ModelState& state) {
  RAPIDNN_THROW_IF_NOT(state.topology == model.topology(), InvalidArgument,
                       "import_state: state is for topology '{}', model is '{}'", state.topology,
                       model.topology());
  std::map<std::string, const NamedTensor*> by_name;
  for (const NamedTensor& t : state.tensors) {
    RAPIDNN_THROW_IF_NOT(by_name.emplace(t.name, &t).second, InvalidArgument,
                         "import_state: tensor '{}' appears twice", t.name);
    RAPIDNN_THROW_IF_NOT(product(t.shape) == static_cast<std::int64_t>(t.data.size()),
                         InvalidArgument,
                         "import_state: tensor '{}' has shape [{}] but {} values", t.name,
                         fmt::join(t.shape, ", "), t.data.size());
  }
  std::vector<Slot> wanted = slots(model);
  // Check everything before copying anything, so a failed import leaves the model untouched.
  for (const Slot& s : wanted) {
    const auto it = by_name.find(s.name);
    RAPIDNN_THROW_IF_NOT(it != by_name.end(), InvalidArgument,
                         "import_state: tensor '{}' (shape [{}]) missing from the state of '{}'",
                         s.name, fmt::join(s.shape, ", "), state.topology);
    RAPIDNN_THROW_IF_NOT(it->second->shape == s.shape, InvalidArgument,
                         "import_state: tensor '{}' has shape [{}], model expects [{}]", s.name,
                         fmt::join(it->second->shape, ", "), fmt::join(s.shape, ", "));
  }
  RAPIDNN_THROW_IF_NOT(by_name.size() == wanted.size(), InvalidArgument,
                       "import_state: the state has {} tensors, model '{}' has {}; unexpected: {}",
                       by_name.size(), model.topology(), wanted.size(), [&] {
                         std::map<std::string, const NamedTensor*> extra = by_name;
                         for (const Slot& s : wanted) extra.erase(s.name);
                         std::vector<std::string> names;
                         for (const auto& [n, t] : extra) names.push_back(n);
                         return fmt::format("{}", fmt::join(names, ", "));
                       }());
  for (Slot& s : wanted) {
    const NamedTensor& t = *by_name.at(s.name);
    std::copy(t.data.begin(), t.data.end(), s.value->data());
  }
}

}  // namespace rapidnn::nn
