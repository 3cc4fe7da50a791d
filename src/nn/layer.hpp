#pragma once
// Layer base class. A layer knows its input shape(s) at construction, computes its output shape,
// and runs forward/backward on whole mini-batches (rows = samples). Layers keep what backward
// needs from their last forward (a max-pool's argmax, a dropout mask), so a layer (and a Model)
// runs one pass at a time; each pass is parallel inside (oneTBB over batch chunks).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nn/tensor.hpp"

namespace rapidnn::nn {

enum class LayerKind {
  kInput,
  kDense,
  kConv2D,
  kMaxPool2D,
  kAvgPool2D,
  kGlobalAvgPool,
  kReLU,
  kSigmoid,
  kSoftsign,
  kTanh,
  kDropout,
  kFlatten,
  kBatchNorm,
  kAdd,
  kConcat,
};

std::string_view to_string(LayerKind kind);

/// What a forward pass needs besides its input. Dropout draws its mask from
/// CounterRng(seed mixed with the layer's name, RngDomain::kDropout, epoch<<40 | sample_id), so
/// a training run is reproducible and independent of batch composition and thread count.
struct PassContext {
  bool training = false;
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;
  /// Global index of each row of the batch in its data set; empty means row index.
  std::span<const std::int64_t> sample_ids{};

  static PassContext inference() { return {}; }
  std::int64_t sample_id(std::int64_t row) const {
    return sample_ids.empty() ? row : sample_ids[static_cast<std::size_t>(row)];
  }
};

/// A trainable tensor. `value` and `grad` have the same dimensions; `shape` is the logical
/// shape written to a model file (a conv weight is stored as out x (in*kh*kw) and exported as
/// {out, in, kh, kw}).
struct ParamRef {
  std::string name;  // local to the layer: "weights", "bias", "gamma", "beta"
  Matrix* value = nullptr;
  Matrix* grad = nullptr;  // empty until the first backward or Model::zero_grads()
  std::vector<std::int64_t> shape;
};

/// Non-trainable state saved with the model (BatchNorm running mean and variance).
struct BufferRef {
  std::string name;
  Matrix* value = nullptr;
  std::vector<std::int64_t> shape;
};

class Layer {
 public:
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  virtual LayerKind kind() const = 0;
  const std::string& name() const { return name_; }
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  Shape input_shape() const { return input_shapes_.front(); }
  Shape output_shape() const { return output_shape_; }

  /// A compute layer (Dense, Conv2D) is what the composer reinterprets with lookup tables.
  bool is_compute() const { return kind() == LayerKind::kDense || kind() == LayerKind::kConv2D; }

  /// inputs[i] is batch x input_shapes()[i].size(); out is resized to batch x output size.
  virtual void forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                              const PassContext& ctx) = 0;
  /// Given the inputs and output of the last forward and dL/d(out), ADDS parameter gradients
  /// into the params' grad (allocating zeroed grads on first use) and WRITES dL/d(input i) into
  /// *grad_inputs[i] (resized here); a null grad_inputs[i] means that gradient is not needed.
  virtual void backward_inputs(std::span<const Matrix* const> inputs, const Matrix& out,
                               const Matrix& grad_out, std::span<Matrix* const> grad_inputs) = 0;

  virtual std::vector<ParamRef> params() { return {}; }
  virtual std::vector<BufferRef> buffers() { return {}; }
  /// Number of trainable values (BatchNorm gamma/beta count, running statistics do not; the
  /// torchvision/Keras "trainable params" convention).
  std::int64_t parameter_count() const;
  /// Multiply-accumulates per sample of one forward pass (0 for layers without products).
  virtual std::int64_t macs_per_sample() const { return 0; }

 protected:
  Layer(std::string name, std::vector<Shape> input_shapes, Shape output_shape);

 private:
  std::string name_;
  std::vector<Shape> input_shapes_;
  Shape output_shape_;
};

/// A layer with exactly one input; implements the span interface via the simple one.
class UnaryLayer : public Layer {
 public:
  virtual void forward(const Matrix& in, Matrix& out, const PassContext& ctx) = 0;
  /// grad_in may be null (input gradient not needed, e.g. the first layer).
  virtual void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                        Matrix* grad_in) = 0;

  void forward_inputs(std::span<const Matrix* const> inputs, Matrix& out,
                      const PassContext& ctx) final;
  void backward_inputs(std::span<const Matrix* const> inputs, const Matrix& out,
                       const Matrix& grad_out, std::span<Matrix* const> grad_inputs) final;

 protected:
  UnaryLayer(std::string name, Shape input_shape, Shape output_shape);
};

/// The model's input node (node 0): forwards the data unchanged.
class InputLayer final : public UnaryLayer {
 public:
  explicit InputLayer(Shape shape);
  LayerKind kind() const override { return LayerKind::kInput; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
};

}  // namespace rapidnn::nn
