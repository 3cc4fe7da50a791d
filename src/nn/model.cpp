#include "nn/model.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "nn/batch_norm.hpp"
#include "nn/dense.hpp"
#include "nn/dropout.hpp"
#include "nn/loss.hpp"
#include "nn/merge.hpp"

namespace rapidnn::nn {

struct Model::Node {
  std::unique_ptr<Layer> layer;
  std::vector<int> inputs;
  int consumers = 0;
  Matrix out;            // activation from the last forward
  Matrix hooked_input;   // the compute layer's (possibly modified) input when a hook ran
  bool hooked = false;
  Matrix grad;           // dL/d(out) during backward
  bool has_grad = false;
  std::vector<Matrix> grad_scratch;  // per input, reused between steps
};

Model::Model(Shape input, std::string topology) : topology_(std::move(topology)) {
  auto node = std::make_unique<Node>();
  node->layer = std::make_unique<InputLayer>(input);
  nodes_.push_back(std::move(node));
}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Shape Model::input_shape() const { return nodes_.front()->layer->output_shape(); }
Shape Model::output_shape() const { return nodes_.back()->layer->output_shape(); }

Layer& Model::layer(int node) {
  RAPIDNN_THROW_IF_NOT(node >= 0 && node < node_count(), InvalidArgument,
                       "node {} outside [0, {})", node, node_count());
  return *nodes_[static_cast<std::size_t>(node)]->layer;
}
const Layer& Model::layer(int node) const { return const_cast<Model*>(this)->layer(node); }

const std::vector<int>& Model::inputs_of(int node) const {
  layer(node);  // range check
  return nodes_[static_cast<std::size_t>(node)]->inputs;
}

int Model::find(const std::string& layer_name) const {
  for (int i = 0; i < node_count(); ++i) {
    if (nodes_[static_cast<std::size_t>(i)]->layer->name() == layer_name) return i;
  }
  throw InvalidArgument(fmt::format("model '{}' has no layer named '{}'", topology_, layer_name));
}

std::vector<int> Model::compute_nodes() const {
  std::vector<int> ids;
  for (int i = 0; i < node_count(); ++i) {
    if (nodes_[static_cast<std::size_t>(i)]->layer->is_compute()) ids.push_back(i);
  }
  return ids;
}

Dense& Model::dense_at(int node) {
  Layer& l = layer(node);
  RAPIDNN_THROW_IF_NOT(l.kind() == LayerKind::kDense, InvalidArgument,
                       "node {} ('{}') is a {}, not a Dense layer", node, l.name(),
                       to_string(l.kind()));
  return static_cast<Dense&>(l);
}
const Dense& Model::dense_at(int node) const { return const_cast<Model*>(this)->dense_at(node); }

Conv2D& Model::conv2d_at(int node) {
  Layer& l = layer(node);
  RAPIDNN_THROW_IF_NOT(l.kind() == LayerKind::kConv2D, InvalidArgument,
                       "node {} ('{}') is a {}, not a Conv2D layer", node, l.name(),
                       to_string(l.kind()));
  return static_cast<Conv2D&>(l);
}
const Conv2D& Model::conv2d_at(int node) const {
  return const_cast<Model*>(this)->conv2d_at(node);
}

int Model::add(std::unique_ptr<Layer> layer, std::vector<int> inputs) {
  RAPIDNN_THROW_IF_NOT(layer != nullptr, InvalidArgument, "Model::add: null layer");
  RAPIDNN_THROW_IF_NOT(inputs.size() == layer->input_shapes().size(), InvalidArgument,
                       "layer '{}' takes {} inputs, {} given", layer->name(),
                       layer->input_shapes().size(), inputs.size());
  for (const auto& n : nodes_) {
    RAPIDNN_THROW_IF_NOT(n->layer->name() != layer->name(), InvalidArgument,
                         "model '{}' already has a layer named '{}'", topology_, layer->name());
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int from = inputs[i];
    RAPIDNN_THROW_IF_NOT(from >= 0 && from < node_count(), InvalidArgument,
                         "layer '{}': input node {} does not exist (model has {} nodes)",
                         layer->name(), from, node_count());
    const Shape have = shape(from);
    RAPIDNN_THROW_IF_NOT(have == layer->input_shapes()[i], InvalidArgument,
                         "layer '{}': input {} from node {} ('{}') has shape {}, layer expects {}",
                         layer->name(), i, from, this->layer(from).name(), to_string(have),
                         to_string(layer->input_shapes()[i]));
  }
  for (const int from : inputs) ++nodes_[static_cast<std::size_t>(from)]->consumers;
  auto node = std::make_unique<Node>();
  node->layer = std::move(layer);
  node->inputs = std::move(inputs);
  node->grad_scratch.resize(node->inputs.size());
  nodes_.push_back(std::move(node));
  return node_count() - 1;
}

int Model::resolve(int from) const {
  const int id = from == kPrevious ? node_count() - 1 : from;
  RAPIDNN_THROW_IF_NOT(id >= 0 && id < node_count(), InvalidArgument,
                       "node {} outside [0, {})", from, node_count());
  return id;
}

std::string Model::auto_name(std::string_view stem) const {
  return fmt::format("{}_{}", stem, node_count());
}

int Model::dense(int out_features, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("dense");
  return add(std::make_unique<Dense>(std::move(name), shape(f), out_features), {f});
}

int Model::conv2d(Conv2DSpec spec, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("conv");
  return add(std::make_unique<Conv2D>(std::move(name), shape(f), spec), {f});
}

int Model::max_pool(PoolSpec spec, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("maxpool");
  return add(std::make_unique<MaxPool2D>(std::move(name), shape(f), spec), {f});
}

int Model::avg_pool(PoolSpec spec, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("avgpool");
  return add(std::make_unique<AvgPool2D>(std::move(name), shape(f), spec), {f});
}

int Model::global_avg_pool(int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("gap");
  return add(std::make_unique<GlobalAvgPool>(std::move(name), shape(f)), {f});
}

int Model::activation(Activation function, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name(to_string(function));
  return add(std::make_unique<ActivationLayer>(std::move(name), shape(f), function), {f});
}

int Model::dropout(float rate, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("dropout");
  return add(std::make_unique<Dropout>(std::move(name), shape(f), rate), {f});
}

int Model::flatten(int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("flatten");
  return add(std::make_unique<Flatten>(std::move(name), shape(f)), {f});
}

int Model::batch_norm(float epsilon, int from, std::string name) {
  const int f = resolve(from);
  if (name.empty()) name = auto_name("bn");
  return add(std::make_unique<BatchNorm>(std::move(name), shape(f), epsilon), {f});
}

int Model::add_nodes(std::vector<int> from, std::string name) {
  std::vector<Shape> shapes;
  for (int& f : from) {
    f = resolve(f);
    shapes.push_back(shape(f));
  }
  if (name.empty()) name = auto_name("add");
  return add(std::make_unique<Add>(std::move(name), std::move(shapes)), std::move(from));
}

int Model::concat(std::vector<int> from, std::string name) {
  std::vector<Shape> shapes;
  for (int& f : from) {
    f = resolve(f);
    shapes.push_back(shape(f));
  }
  if (name.empty()) name = auto_name("concat");
  return add(std::make_unique<Concat>(std::move(name), std::move(shapes)), std::move(from));
}

std::int64_t Model::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& node : nodes_) n += node->layer->parameter_count();
  return n;
}

std::int64_t Model::macs_per_sample() const {
  std::int64_t n = 0;
  for (const auto& node : nodes_) n += node->layer->macs_per_sample();
  return n;
}

std::string Model::summary() const {
  std::string s = fmt::format("model '{}': {} nodes, {} parameters, {} MACs/sample\n", topology_,
                              node_count(), parameter_count(), macs_per_sample());
  for (int i = 0; i < node_count(); ++i) {
    const Node& n = *nodes_[static_cast<std::size_t>(i)];
    s += fmt::format("{:4d} {:24s} {:14s} in={:14s} out={:12s} params={:<10d} macs={}\n", i,
                     n.layer->name(), to_string(n.layer->kind()), fmt::format("{}", n.inputs),
                     to_string(n.layer->output_shape()), n.layer->parameter_count(),
                     n.layer->macs_per_sample());
  }
  return s;
}

const Matrix& Model::forward(const Matrix& x, bool training) {
  PassContext ctx;
  ctx.training = training;
  return forward(x, ctx);
}

const Matrix& Model::forward(const Matrix& x, const PassContext& ctx, const ForwardHooks& hooks) {
  std::vector<const Matrix*> in;
  for (int i = 0; i < node_count(); ++i) {
    Node& n = *nodes_[static_cast<std::size_t>(i)];
    in.clear();
    if (i == 0) {
      in.push_back(&x);
    } else {
      for (const int f : n.inputs) in.push_back(&nodes_[static_cast<std::size_t>(f)]->out);
    }
    n.hooked = false;
    if (hooks.before_compute && n.layer->is_compute()) {
      // A private copy: the producer's output may feed other nodes too.
      n.hooked_input = *in[0];
      hooks.before_compute(i, *n.layer, n.hooked_input);
      in[0] = &n.hooked_input;
      n.hooked = true;
    }
    n.layer->forward_inputs(in, n.out, ctx);
    if (hooks.after_node) hooks.after_node(i, *n.layer, n.out);
  }
  return nodes_.back()->out;
}

const Matrix& Model::activation_of(int node) const {
  layer(node);  // range check
  return nodes_[static_cast<std::size_t>(node)]->out;
}

void Model::backward(const Matrix& grad_output) {
  Node& last = *nodes_.back();
  RAPIDNN_THROW_IF_NOT(grad_output.rows() == last.out.rows() && grad_output.cols() == last.out.cols(),
                       InvalidArgument, "backward: gradient is {}x{}, output is {}x{}",
                       grad_output.rows(), grad_output.cols(), last.out.rows(), last.out.cols());
  for (auto& n : nodes_) n->has_grad = false;
  last.grad = grad_output;
  last.has_grad = true;
  std::vector<const Matrix*> in;
  std::vector<Matrix*> gin;
  for (int i = node_count() - 1; i >= 1; --i) {
    Node& n = *nodes_[static_cast<std::size_t>(i)];
    if (!n.has_grad) continue;  // does not reach the output
    in.clear();
    gin.clear();
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      const int f = n.inputs[k];
      in.push_back(n.hooked && k == 0 ? &n.hooked_input : &nodes_[static_cast<std::size_t>(f)]->out);
      // The gradient w.r.t. the model input is never needed.
      gin.push_back(f == 0 ? nullptr : &n.grad_scratch[k]);
    }
    n.layer->backward_inputs(in, n.out, n.grad, gin);
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      if (!gin[k]) continue;
      Node& src = *nodes_[static_cast<std::size_t>(n.inputs[k])];
      if (!src.has_grad) {
        std::swap(src.grad, n.grad_scratch[k]);
        src.has_grad = true;
      } else {
        src.grad += n.grad_scratch[k];
      }
    }
  }
}

std::vector<int> Model::predict(const Matrix& x, int batch_size) {
  RAPIDNN_THROW_IF_NOT(batch_size > 0, InvalidArgument, "predict: batch size {} must be > 0",
                       batch_size);
  std::vector<int> labels;
  labels.reserve(static_cast<std::size_t>(x.rows()));
  Matrix batch;
  for (std::int64_t b = 0; b < x.rows(); b += batch_size) {
    const std::int64_t n = std::min<std::int64_t>(batch_size, x.rows() - b);
    batch = x.middleRows(b, n);
    const std::vector<int> part = argmax_rows(forward(batch, false));
    labels.insert(labels.end(), part.begin(), part.end());
  }
  return labels;
}

std::vector<Model::NodeParam> Model::params() {
  std::vector<NodeParam> all;
  for (int i = 0; i < node_count(); ++i) {
    for (ParamRef& p : nodes_[static_cast<std::size_t>(i)]->layer->params()) {
      all.push_back({i, std::move(p)});
    }
  }
  return all;
}

void Model::zero_grads() {
  for (NodeParam& p : params()) p.param.grad->setZero(p.param.value->rows(), p.param.value->cols());
}

}  // namespace rapidnn::nn
