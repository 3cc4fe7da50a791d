#include "nn/pooling.hpp"

#include <limits>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

namespace {
Shape pool_output(const std::string& name, Shape in, const PoolSpec& s) {
  RAPIDNN_THROW_IF_NOT(s.kernel > 0 && s.stride > 0 && s.pad >= 0 && 2 * s.pad <= s.kernel,
                       InvalidArgument,
                       "pool '{}': kernel {}, stride {}, pad {} invalid (pad at most kernel/2)",
                       name, s.kernel, s.stride, s.pad);
  const int oh = window_output_extent(in.h, s.kernel, s.stride, s.pad, s.ceil_mode);
  const int ow = window_output_extent(in.w, s.kernel, s.stride, s.pad, s.ceil_mode);
  RAPIDNN_THROW_IF_NOT(oh > 0 && ow > 0, InvalidArgument,
                       "pool '{}': window {} (pad {}) does not fit input {}", name, s.kernel, s.pad,
                       to_string(in));
  return Shape{in.c, oh, ow};
}
}  // namespace

MaxPool2D::MaxPool2D(std::string name, Shape input, PoolSpec spec)
    : UnaryLayer(name, input, pool_output(name, input, spec)), spec_(spec) {}

void MaxPool2D::forward(const Matrix& in, Matrix& out, const PassContext&) {
  const Shape is = input_shape(), os = output_shape();
  RAPIDNN_THROW_IF_NOT(in.cols() == is.size(), InvalidArgument,
                       "MaxPool2D '{}': input has {} columns, expected {}", name(), in.cols(),
                       is.size());
  out.resize(in.rows(), os.size());
  argmax_.resize(static_cast<std::size_t>(in.rows() * os.size()));
  detail::parallel_chunks(in.rows(), detail::row_grain(is.size()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      const float* x = in.row(n).data();
      float* y = out.row(n).data();
      std::int32_t* arg = argmax_.data() + n * os.size();
      for (int c = 0; c < os.c; ++c) {
        for (int oy = 0; oy < os.h; ++oy) {
          const int y0 = std::max(oy * spec_.stride - spec_.pad, 0);
          const int y1 = std::min(oy * spec_.stride - spec_.pad + spec_.kernel, is.h);
          for (int ox = 0; ox < os.w; ++ox) {
            const int x0 = std::max(ox * spec_.stride - spec_.pad, 0);
            const int x1 = std::min(ox * spec_.stride - spec_.pad + spec_.kernel, is.w);
            float best = -std::numeric_limits<float>::infinity();
            std::int32_t best_at = (c * is.h + y0) * is.w + x0;
            for (int iy = y0; iy < y1; ++iy) {
              for (int ix = x0; ix < x1; ++ix) {
                const std::int32_t at = (c * is.h + iy) * is.w + ix;
                if (x[at] > best) {
                  best = x[at];
                  best_at = at;
                }
              }
            }
            const std::int64_t o = (std::int64_t{c} * os.h + oy) * os.w + ox;
            y[o] = best;
            arg[o] = best_at;
          }
        }
      }
    }
  });
}

void MaxPool2D::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (!grad_in) return;
  const std::int64_t os = output_shape().size();
  RAPIDNN_ASSERT(static_cast<std::int64_t>(argmax_.size()) == in.rows() * os);
  grad_in->setZero(in.rows(), in.cols());
  detail::parallel_chunks(in.rows(), detail::row_grain(in.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      const std::int32_t* arg = argmax_.data() + n * os;
      const float* g = grad_out.row(n).data();
      float* d = grad_in->row(n).data();
      for (std::int64_t o = 0; o < os; ++o) d[arg[o]] += g[o];
    }
  });
}

AvgPool2D::AvgPool2D(std::string name, Shape input, PoolSpec spec)
    : UnaryLayer(name, input, pool_output(name, input, spec)), spec_(spec) {}

int AvgPool2D::window_count(int oy, int ox) const {
  const Shape is = input_shape();
  const int y0 = oy * spec_.stride - spec_.pad, x0 = ox * spec_.stride - spec_.pad;
  const int y1 = std::min(y0 + spec_.kernel, is.h + spec_.pad);
  const int x1 = std::min(x0 + spec_.kernel, is.w + spec_.pad);
  return (y1 - y0) * (x1 - x0);
}

void AvgPool2D::forward(const Matrix& in, Matrix& out, const PassContext&) {
  const Shape is = input_shape(), os = output_shape();
  RAPIDNN_THROW_IF_NOT(in.cols() == is.size(), InvalidArgument,
                       "AvgPool2D '{}': input has {} columns, expected {}", name(), in.cols(),
                       is.size());
  out.resize(in.rows(), os.size());
  detail::parallel_chunks(in.rows(), detail::row_grain(is.size()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      const float* x = in.row(n).data();
      float* y = out.row(n).data();
      for (int c = 0; c < os.c; ++c) {
        for (int oy = 0; oy < os.h; ++oy) {
          const int y0 = std::max(oy * spec_.stride - spec_.pad, 0);
          const int y1 = std::min(oy * spec_.stride - spec_.pad + spec_.kernel, is.h);
          for (int ox = 0; ox < os.w; ++ox) {
            const int x0 = std::max(ox * spec_.stride - spec_.pad, 0);
            const int x1 = std::min(ox * spec_.stride - spec_.pad + spec_.kernel, is.w);
            float sum = 0.0f;
            for (int iy = y0; iy < y1; ++iy) {
              for (int ix = x0; ix < x1; ++ix) sum += x[(c * is.h + iy) * is.w + ix];
            }
            y[(c * os.h + oy) * os.w + ox] = sum / static_cast<float>(window_count(oy, ox));
          }
        }
      }
    }
  });
}

void AvgPool2D::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  if (!grad_in) return;
  const Shape is = input_shape(), os = output_shape();
  grad_in->setZero(in.rows(), in.cols());
  detail::parallel_chunks(in.rows(), detail::row_grain(is.size()), [&](std::int64_t b,
                                                                       std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      const float* g = grad_out.row(n).data();
      float* d = grad_in->row(n).data();
      for (int c = 0; c < os.c; ++c) {
        for (int oy = 0; oy < os.h; ++oy) {
          const int y0 = std::max(oy * spec_.stride - spec_.pad, 0);
          const int y1 = std::min(oy * spec_.stride - spec_.pad + spec_.kernel, is.h);
          for (int ox = 0; ox < os.w; ++ox) {
            const int x0 = std::max(ox * spec_.stride - spec_.pad, 0);
            const int x1 = std::min(ox * spec_.stride - spec_.pad + spec_.kernel, is.w);
            const float share =
                g[(c * os.h + oy) * os.w + ox] / static_cast<float>(window_count(oy, ox));
            for (int iy = y0; iy < y1; ++iy) {
              for (int ix = x0; ix < x1; ++ix) d[(c * is.h + iy) * is.w + ix] += share;
            }
          }
        }
      }
    }
  });
}

GlobalAvgPool::GlobalAvgPool(std::string name, Shape input)
    : UnaryLayer(std::move(name), input, Shape{input.c, 1, 1}) {}

void GlobalAvgPool::forward(const Matrix& in, Matrix& out, const PassContext&) {
  const Shape is = input_shape();
  RAPIDNN_THROW_IF_NOT(in.cols() == is.size(), InvalidArgument,
                       "GlobalAvgPool '{}': input has {} columns, expected {}", name(), in.cols(),
                       is.size());
  const std::int64_t hw = std::int64_t{is.h} * is.w;
  out.resize(in.rows(), is.c);
  for (std::int64_t n = 0; n < in.rows(); ++n) {
    out.row(n) = Eigen::Map<const Matrix>(in.row(n).data(), is.c, hw).rowwise().mean().transpose();
  }
}

void GlobalAvgPool::backward(const Matrix& in, const Matrix&, const Matrix& grad_out,
                             Matrix* grad_in) {
  if (!grad_in) return;
  const Shape is = input_shape();
  const std::int64_t hw = std::int64_t{is.h} * is.w;
  grad_in->resize(in.rows(), in.cols());
  for (std::int64_t n = 0; n < in.rows(); ++n) {
    Eigen::Map<Matrix> d(grad_in->row(n).data(), is.c, hw);
    d = (grad_out.row(n).transpose() / static_cast<float>(hw)).replicate(1, hw);
  }
}

}  // namespace rapidnn::nn
