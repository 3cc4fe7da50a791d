#pragma once
// Inverted dropout: in training each value is kept with probability 1-rate and scaled by
// 1/(1-rate); at inference it is the identity. The mask of sample s in epoch e is drawn from
// CounterRng(ctx.seed ^ hash(layer name), RngDomain::kDropout, e<<40 ^ s), so it depends on
// neither batch composition nor thread count. Each value uses the fewest random bits that
// represent the rate exactly (1 bit for 0.5; at most 16, i.e. rates are rounded to 2^-16).
#include "nn/layer.hpp"

namespace rapidnn::nn {

class Dropout final : public UnaryLayer {
 public:
  Dropout(std::string name, Shape input, float rate);
  LayerKind kind() const override { return LayerKind::kDropout; }
  float rate() const { return rate_; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;

 private:
  float rate_;
  std::uint64_t name_hash_;
  bool last_training_ = false;
  Matrix mask_;  // 0 or 1/(1-rate), from the last training forward
};

/// Channel-major data is already flat: Flatten only changes the shape to {c*h*w, 1, 1}.
class Flatten final : public UnaryLayer {
 public:
  Flatten(std::string name, Shape input);
  LayerKind kind() const override { return LayerKind::kFlatten; }
  void forward(const Matrix& in, Matrix& out, const PassContext& ctx) override;
  void backward(const Matrix& in, const Matrix& out, const Matrix& grad_out,
                Matrix* grad_in) override;
};

}  // namespace rapidnn::nn
