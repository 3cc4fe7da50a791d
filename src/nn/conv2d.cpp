#include "nn/conv2d.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

int window_output_extent(int in, int kernel, int stride, int pad, bool ceil_mode) {
  RAPIDNN_THROW_IF_NOT(kernel > 0 && stride > 0 && pad >= 0, InvalidArgument,
                       "window kernel {}, stride {}, pad {}: kernel and stride must be positive "
                       "and pad non-negative", kernel, stride, pad);
  const int span = in + 2 * pad - kernel;
  if (span < 0) return 0;
  int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  // torch: with ceil_mode the last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

namespace {
Shape conv_output(const std::string& name, Shape in, const Conv2DSpec& s) {
  RAPIDNN_THROW_IF_NOT(s.out_channels > 0 && s.kernel_h > 0 && s.kernel_w > 0 && s.stride > 0 &&
                           s.pad >= 0,
                       InvalidArgument,
                       "Conv2D '{}': out_channels {}, kernel {}x{}, stride {}, pad {} invalid",
                       name, s.out_channels, s.kernel_h, s.kernel_w, s.stride, s.pad);
  const int oh = window_output_extent(in.h, s.kernel_h, s.stride, s.pad);
  const int ow = window_output_extent(in.w, s.kernel_w, s.stride, s.pad);
  RAPIDNN_THROW_IF_NOT(oh > 0 && ow > 0, InvalidArgument,
                       "Conv2D '{}': kernel {}x{} (pad {}) does not fit input {}", name,
                       s.kernel_h, s.kernel_w, s.pad, to_string(in));
  return Shape{s.out_channels, oh, ow};
}

// Samples per im2col/GEMM task: enough output positions (~1024) for an efficient GEMM, and a
// fixed function of the shape so per-chunk partial sums make results thread-count independent.
std::int64_t samples_per_chunk(std::int64_t positions) {
  return std::clamp<std::int64_t>(1024 / std::max<std::int64_t>(1, positions), 1, 16);
}
}  // namespace

Conv2D::Conv2D(std::string name, Shape input, Conv2DSpec spec)
    : UnaryLayer(name, input, conv_output(name, input, spec)),
      spec_(spec),
      weights_(Matrix::Zero(spec.out_channels,
                            std::int64_t{input.c} * spec.kernel_h * spec.kernel_w)),
      bias_(Matrix::Zero(1, spec.out_channels)) {}

void Conv2D::im2col(const float* image, float* cols, std::int64_t ld,
                    std::int64_t col_offset) const {
  const int H = input_shape().h, W = input_shape().w;
  const int oh = out_h(), ow = out_w(), kh = spec_.kernel_h, kw = spec_.kernel_w;
  const int s = spec_.stride, p = spec_.pad;
  for (int c = 0; c < in_channels(); ++c) {
    const float* plane = image + std::int64_t{c} * H * W;
    for (int ky = 0; ky < kh; ++ky) {
      for (int kx = 0; kx < kw; ++kx) {
        float* row = cols + ((std::int64_t{c} * kh + ky) * kw + kx) * ld + col_offset;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * s - p + ky;
          float* dst = row + std::int64_t{oy} * ow;
          if (iy < 0 || iy >= H) {
            std::fill(dst, dst + ow, 0.0f);
            continue;
          }
          const float* src = plane + std::int64_t{iy} * W;
          if (s == 1) {
            // Contiguous interior: x range where ix = ox - p + kx lies inside [0, W).
            const int lo = std::clamp(p - kx, 0, ow), hi = std::clamp(W + p - kx, lo, ow);
            std::fill(dst, dst + lo, 0.0f);
            std::copy(src + lo - p + kx, src + hi - p + kx, dst + lo);
            std::fill(dst + hi, dst + ow, 0.0f);
          } else {
            for (int ox = 0; ox < ow; ++ox) {
              const int ix = ox * s - p + kx;
              dst[ox] = (ix >= 0 && ix < W) ? src[ix] : 0.0f;
            }
          }
        }
      }
    }
  }
}

void Conv2D::col2im(const float* cols, std::int64_t ld, std::int64_t col_offset,
                    float* image) const {
  const int H = input_shape().h, W = input_shape().w;
  const int oh = out_h(), ow = out_w(), kh = spec_.kernel_h, kw = spec_.kernel_w;
  const int s = spec_.stride, p = spec_.pad;
  for (int c = 0; c < in_channels(); ++c) {
    float* plane = image + std::int64_t{c} * H * W;
    for (int ky = 0; ky < kh; ++ky) {
      for (int kx = 0; kx < kw; ++kx) {
        const float* row = cols + ((std::int64_t{c} * kh + ky) * kw + kx) * ld + col_offset;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * s - p + ky;
          if (iy < 0 || iy >= H) continue;
          const float* src = row + std::int64_t{oy} * ow;
          float* dst = plane + std::int64_t{iy} * W;
          for (int ox = 0; ox < ow; ++ox) {
            const int ix = ox * s - p + kx;
            if (ix >= 0 && ix < W) dst[ix] += src[ox];
          }
        }
      }
    }
  }
}

void Conv2D::forward(const Matrix& in, Matrix& out, const PassContext&) {
  RAPIDNN_THROW_IF_NOT(in.cols() == input_shape().size(), InvalidArgument,
                       "Conv2D '{}': input has {} columns, expected {} ({})", name(), in.cols(),
                       input_shape().size(), to_string(input_shape()));
  const std::int64_t batch = in.rows(), P = std::int64_t{out_h()} * out_w();
  const std::int64_t K = patch_size(), OC = out_channels();
  out.resize(batch, OC * P);
  const std::int64_t chunk = samples_per_chunk(P);
  const bool split_channels = (batch + chunk - 1) / chunk < 4;
  detail::parallel_fixed_chunks(batch, chunk, [&](std::int64_t, std::int64_t b, std::int64_t e) {
    const std::int64_t nb = e - b, ld = nb * P;
    Matrix cols(K, ld), result(OC, ld);
    for (std::int64_t n = b; n < e; ++n) im2col(in.row(n).data(), cols.data(), ld, (n - b) * P);
    auto gemm = [&](std::int64_t c0, std::int64_t c1) {
      result.middleRows(c0, c1 - c0).noalias() = weights_.middleRows(c0, c1 - c0) * cols;
    };
    if (split_channels) {
      detail::parallel_chunks(OC, 16, gemm);
    } else {
      gemm(0, OC);
    }
    for (std::int64_t n = b; n < e; ++n) {
      Eigen::Map<Matrix> o(out.row(n).data(), OC, P);
      o = result.middleCols((n - b) * P, P);
      o.colwise() += bias_.row(0).transpose();
    }
  });
}

void Conv2D::backward(const Matrix& in, const Matrix&, const Matrix& grad_out, Matrix* grad_in) {
  const std::int64_t batch = in.rows(), P = std::int64_t{out_h()} * out_w();
  const std::int64_t K = patch_size(), OC = out_channels();
  if (weights_grad_.rows() != OC || weights_grad_.cols() != K) weights_grad_ = Matrix::Zero(OC, K);
  if (bias_grad_.cols() != OC) bias_grad_ = Matrix::Zero(1, OC);
  if (grad_in) grad_in->setZero(batch, input_shape().size());
  const std::int64_t chunk = samples_per_chunk(P);
  const std::int64_t chunks = (batch + chunk - 1) / chunk;
  std::vector<Matrix> dw(static_cast<std::size_t>(chunks));
  std::vector<Matrix> db(static_cast<std::size_t>(chunks));
  detail::parallel_fixed_chunks(batch, chunk, [&](std::int64_t i, std::int64_t b, std::int64_t e) {
    const std::int64_t nb = e - b, ld = nb * P;
    Matrix cols(K, ld), dout(OC, ld);
    for (std::int64_t n = b; n < e; ++n) {
      im2col(in.row(n).data(), cols.data(), ld, (n - b) * P);
      dout.middleCols((n - b) * P, P) = Eigen::Map<const Matrix>(grad_out.row(n).data(), OC, P);
    }
    dw[i].noalias() = dout * cols.transpose();
    if (spec_.bias) db[i] = dout.rowwise().sum().transpose();
    if (grad_in) {
      Matrix dcols(K, ld);
      dcols.noalias() = weights_.transpose() * dout;
      for (std::int64_t n = b; n < e; ++n) {
        col2im(dcols.data(), ld, (n - b) * P, grad_in->row(n).data());
      }
    }
  });
  // Reduce in chunk order: the result does not depend on which thread ran which chunk.
  for (std::int64_t i = 0; i < chunks; ++i) {
    weights_grad_ += dw[i];
    if (spec_.bias) bias_grad_ += db[i];
  }
}

std::vector<ParamRef> Conv2D::params() {
  std::vector<ParamRef> p{{"weights", &weights_, &weights_grad_,
                           {out_channels(), in_channels(), spec_.kernel_h, spec_.kernel_w}}};
  if (spec_.bias) p.push_back({"bias", &bias_, &bias_grad_, {out_channels()}});
  return p;
}

std::int64_t Conv2D::macs_per_sample() const {
  return std::int64_t{out_h()} * out_w() * out_channels() * patch_size();
}

}  // namespace rapidnn::nn
