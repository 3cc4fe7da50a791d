#pragma once
// The shape of a network as the accelerator model sees it: per layer, how many output values
// ("neurons") it computes, how many inputs each of them reads (fan-in), how many distinct
// lookup-table sets it needs and how many weights it stores. No weights, no nn dependency:
// shapes are enough for cost (the Table 2 ImageNet models need nothing else).
#include <cstdint>
#include <string>
#include <vector>

namespace rapidnn::accel {

enum class LayerKind {
  Input,    // the virtual encoding layer of Sec 2.2: encodes raw inputs, no accumulation
  Dense,    // fully connected
  Conv,     // convolution (one neuron per output value)
  MaxPool,  // pooling with the NDCAM max search (Sec 4.2.1)
  AvgPool,  // average pooling through weighted accumulation with normalised weights (Sec 4.2.1)
  Add,      // residual addition of `fan_in` operands in the adder (Sec 4.3, ResNet)
  Concat,   // channel concatenation: buffer routing only, no computation
};

const char* to_string(LayerKind kind);

struct LayerShape {
  std::string name;
  LayerKind kind = LayerKind::Dense;
  std::int64_t neurons = 0;        // output values computed per inference
  std::int64_t fan_in = 0;         // inputs read by one neuron (k*k*Cin/groups, features, window)
  std::int64_t input_values = 0;   // values read by the layer per inference (for the GPU roofline)
  std::int64_t weights = 0;        // stored weights (0 for pool/add/concat/input)
  std::int64_t table_sets = 1;     // distinct codebooks/product tables (conv: Cout; dense: 1; Sec 3.1)
  bool has_activation = true;      // followed by an activation function (Sec 4.2.1)

  /// Multiply-accumulates per inference (Dense/Conv: neurons x fan_in; others 0).
  std::int64_t macs() const;
  /// Operations per inference counted as in the paper's GOPS figures: 2 per MAC, 1 per
  /// compare/add of pooling and residual layers.
  std::int64_t ops() const;
};

struct NetworkShape {
  std::string name;
  std::vector<LayerShape> layers;

  std::int64_t total_neurons() const;
  std::int64_t total_macs() const;
  std::int64_t total_ops() const;
  std::int64_t total_weights() const;
};

/// Throws InvalidArgument naming the network, layer and field when a shape is inconsistent.
void validate(const NetworkShape& net);

// Builders used by the model zoo and the tests.
LayerShape input_layer(std::string name, std::int64_t values);
LayerShape dense_layer(std::string name, std::int64_t in, std::int64_t out, bool activation = true);
/// Convolution producing out_h x out_w x cout from cin channels with a k x k kernel.
LayerShape conv_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t cin,
                      std::int64_t cout, std::int64_t k, std::int64_t stride, std::int64_t pad,
                      std::int64_t groups = 1);
LayerShape max_pool_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t c,
                          std::int64_t k, std::int64_t stride, std::int64_t pad = 0);
LayerShape avg_pool_layer(std::string name, std::int64_t in_h, std::int64_t in_w, std::int64_t c,
                          std::int64_t k, std::int64_t stride, std::int64_t pad = 0);
LayerShape add_layer(std::string name, std::int64_t values, std::int64_t operands = 2);
LayerShape concat_layer(std::string name, std::int64_t values);

/// Output size of a k-window with stride and padding (floor convention).
std::int64_t window_out(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t pad);

}  // namespace rapidnn::accel
