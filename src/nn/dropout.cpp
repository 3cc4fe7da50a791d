#include "nn/dropout.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

namespace {
// FNV-1a: gives each dropout layer of a model its own mask stream for the same (seed, sample).
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

Dropout::Dropout(std::string name, Shape input, float rate)
    : UnaryLayer(std::move(name), input, input), rate_(rate), name_hash_(fnv1a(this->name())) {
  RAPIDNN_THROW_IF_NOT(rate >= 0.0f && rate < 1.0f, InvalidArgument,
                       "Dropout '{}': rate {} must lie in [0, 1)", this->name(), rate);
}

void Dropout::forward(const Matrix& in, Matrix& out, const PassContext& ctx) {
  RAPIDNN_THROW_IF_NOT(in.cols() == input_shape().size(), InvalidArgument,
                       "Dropout '{}': input has {} columns, expected {}", name(), in.cols(),
                       input_shape().size());
  last_training_ = ctx.training && rate_ > 0.0f;
  if (!last_training_) {
    out = in;
    return;
  }
  RAPIDNN_THROW_IF_NOT(ctx.sample_ids.empty() ||
                           static_cast<std::int64_t>(ctx.sample_ids.size()) == in.rows(),
                       InvalidArgument, "Dropout '{}': {} sample ids for a batch of {} rows",
                       name(), ctx.sample_ids.size(), in.rows());
  mask_.resize(in.rows(), in.cols());
  out.resize(in.rows(), in.cols());
  const float scale = 1.0f / (1.0f - rate_);
  // Keep a value when a uniform `bits`-bit field is at least rate * 2^bits, with the fewest
  // bits that represent the rate exactly (1 bit for the usual 0.5, so one Philox call masks
  // 128 values); rates that are not multiples of 2^-16 are rounded to one.
  int bits = 16;
  for (int b = 1; b <= 16; ++b) {
    const double scaled = static_cast<double>(rate_) * static_cast<double>(1u << b);
    if (scaled == std::floor(scaled)) {
      bits = b;
      break;
    }
  }
  const auto threshold =
      static_cast<std::uint32_t>(std::lround(static_cast<double>(rate_) * static_cast<double>(1u << bits)));
  const int per_word = 32 / bits;
  const std::uint32_t field = (1u << bits) - 1u;
  detail::parallel_chunks(in.rows(), detail::row_grain(in.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) {
      const auto sample = static_cast<std::uint64_t>(ctx.sample_id(r));
      CounterRng rng(ctx.seed ^ name_hash_, RngDomain::kDropout, (ctx.epoch << 40) ^ sample);
      float* m = mask_.row(r).data();
      const float* x = in.row(r).data();
      float* y = out.row(r).data();
      const std::int64_t cols = in.cols();
      for (std::int64_t c = 0; c < cols; c += per_word) {
        std::uint32_t word = rng.next_u32();
        const std::int64_t end = std::min<std::int64_t>(cols, c + per_word);
        for (std::int64_t k = c; k < end; ++k, word >>= bits) {
          m[k] = (word & field) >= threshold ? scale : 0.0f;
          y[k] = x[k] * m[k];
        }
      }
    }
  });
}

void Dropout::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (!grad_in) return;
  if (!last_training_) {
    *grad_in = grad_out;
    return;
  }
  RAPIDNN_ASSERT(mask_.rows() == in.rows() && mask_.cols() == in.cols());
  *grad_in = grad_out.cwiseProduct(mask_);
}

Flatten::Flatten(std::string name, Shape input)
    : UnaryLayer(std::move(name), input, Shape{static_cast<int>(input.size()), 1, 1}) {}

void Flatten::forward(const Matrix& in, Matrix& out, const PassContext&) {
  RAPIDNN_THROW_IF_NOT(in.cols() == input_shape().size(), InvalidArgument,
                       "Flatten '{}': input has {} columns, expected {}", name(), in.cols(),
                       input_shape().size());
  out = in;
}

void Flatten::backward(const Matrix&, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (grad_in) *grad_in = grad_out;
}

}  // namespace rapidnn::nn
