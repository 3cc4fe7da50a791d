#pragma once
// A model is a DAG of nodes in topological (insertion) order: node 0 is the input, each later
// node holds one layer and the ids of the nodes feeding it; the last node added is the output
// (logits). MLP/CNN are built with the sequential helpers (which default to "from the last
// node"); ResNet/GoogLeNet add Add/Concat nodes with several inputs.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nn/activation.hpp"
#include "nn/conv2d.hpp"
#include "nn/layer.hpp"
#include "nn/pooling.hpp"

namespace rapidnn::nn {

class Dense;
class Conv2D;

/// Called before each Dense/Conv2D node with a private copy of that layer's input, which the
/// caller may modify in place (the composer quantizes it to the input codebook, Sec 3.1). The
/// modified input is what the layer computes with and what backward uses.
using InputHook = std::function<void(int node, const Layer& layer, Matrix& input)>;
/// Called after every node (input node included) with its output, read-only.
using OutputHook = std::function<void(int node, const Layer& layer, const Matrix& output)>;

struct ForwardHooks {
  InputHook before_compute;
  OutputHook after_node;
};

class Model {
 public:
  static constexpr int kPrevious = -1;  // "the last node added"

  explicit Model(Shape input, std::string topology = "custom");
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const std::string& topology() const { return topology_; }
  Shape input_shape() const;
  Shape output_shape() const;  // of the output node
  int num_classes() const { return static_cast<int>(output_shape().size()); }

  // ---- building -----------------------------------------------------------------------------
  /// Appends a node; checks that the input nodes exist and their shapes match the layer's
  /// input shapes, and that the layer name is unique. Returns the node id.
  int add(std::unique_ptr<Layer> layer, std::vector<int> inputs);
  int dense(int out_features, int from = kPrevious, std::string name = {});
  int conv2d(Conv2DSpec spec, int from = kPrevious, std::string name = {});
  int max_pool(PoolSpec spec, int from = kPrevious, std::string name = {});
  int avg_pool(PoolSpec spec, int from = kPrevious, std::string name = {});
  int global_avg_pool(int from = kPrevious, std::string name = {});
  int activation(Activation function, int from = kPrevious, std::string name = {});
  int relu(int from = kPrevious) { return activation(Activation::kReLU, from); }
  int dropout(float rate, int from = kPrevious, std::string name = {});
  int flatten(int from = kPrevious, std::string name = {});
  int batch_norm(float epsilon = 1e-5f, int from = kPrevious, std::string name = {});
  int add_nodes(std::vector<int> from, std::string name = {});
  int concat(std::vector<int> from, std::string name = {});

  // ---- walking ------------------------------------------------------------------------------
  int node_count() const { return static_cast<int>(nodes_.size()); }
  int output_node() const { return node_count() - 1; }
  Layer& layer(int node);
  const Layer& layer(int node) const;
  const std::vector<int>& inputs_of(int node) const;
  Shape shape(int node) const { return layer(node).output_shape(); }
  /// Node id of the layer with this name; throws InvalidArgument listing nothing if absent.
  int find(const std::string& layer_name) const;
  /// Ids of the Dense and Conv2D nodes in order.
  std::vector<int> compute_nodes() const;
  /// Typed access; throws InvalidArgument when the node is of another kind.
  Dense& dense_at(int node);
  const Dense& dense_at(int node) const;
  Conv2D& conv2d_at(int node);
  const Conv2D& conv2d_at(int node) const;

  std::int64_t parameter_count() const;
  std::int64_t macs_per_sample() const;
  /// One line per node: id, name, kind, inputs, output shape, params, MACs.
  std::string summary() const;

  // ---- running ------------------------------------------------------------------------------
  /// Forward a batch (rows = samples, cols = input_shape().size()); returns the output node's
  /// activations (logits), valid until the next forward.
  const Matrix& forward(const Matrix& x, bool training = false);
  const Matrix& forward(const Matrix& x, const PassContext& ctx, const ForwardHooks& hooks = {});
  /// Output of a node from the last forward.
  const Matrix& activation_of(int node) const;
  /// Back-propagates dL/d(output) through the last forward, ADDING into parameter gradients.
  void backward(const Matrix& grad_output);
  /// Class indices (argmax of the logits), forwarded in batches of batch_size rows.
  std::vector<int> predict(const Matrix& x, int batch_size = 256);

  // ---- parameters ---------------------------------------------------------------------------
  struct NodeParam {
    int node;
    ParamRef param;
  };
  std::vector<NodeParam> params();
  void zero_grads();

 private:
  struct Node;
  int resolve(int from) const;
  std::string auto_name(std::string_view stem) const;

  std::string topology_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace rapidnn::nn
