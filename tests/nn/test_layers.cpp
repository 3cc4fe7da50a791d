// Forward passes of every layer on small inputs whose outputs are computed by hand in the
// comments, plus the im2col convolution against a direct (naive) convolution.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "nn/batch_norm.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"
#include "nn/dropout.hpp"
#include "nn/loss.hpp"
#include "nn/merge.hpp"
#include "nn/pooling.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

using testing::expect_matrix_near;
using testing::mat;
using testing::random_matrix;

const PassContext kInfer = PassContext::inference();

TEST(Dense, ForwardMatchesHandComputation) {
  Dense d("fc", Shape{3, 1, 1}, 2);
  d.weights() = mat({{1, 2, 3}, {4, 5, 6}});
  d.bias() = mat({{0.5f, -1}});
  Matrix out;
  d.forward(mat({{1, 0, -1}, {2, 1, 0}}), out, kInfer);
  // row 0: [1-3+0.5, 4-6-1] = [-1.5, -3]; row 1: [2+2+0.5, 8+5-1] = [4.5, 12]
  expect_matrix_near(out, mat({{-1.5f, -3}, {4.5f, 12}}), 1e-6);
  EXPECT_EQ(d.parameter_count(), 2 * 3 + 2);
  EXPECT_EQ(d.macs_per_sample(), 6);
}

TEST(Dense, RejectsWrongInputWidth) {
  Dense d("fc", Shape{3, 1, 1}, 2);
  Matrix out;
  try {
    d.forward(Matrix::Zero(1, 4), out, kInfer);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Dense 'fc': input has 4 columns, expected 3");
  }
}

TEST(Conv2D, ForwardMatchesHandComputation) {
  // 3x3 image 1..9, 2x2 kernel [[1,2],[3,4]], bias 1, stride 1, no padding:
  // out(0,0) = 1*1+2*2+4*3+5*4 + 1 = 38, out(0,1) = 2+6+15+24 + 1 = 48,
  // out(1,0) = 4+10+21+32 + 1 = 68, out(1,1) = 5+12+24+36 + 1 = 78.
  Conv2D c("conv", Shape{1, 3, 3}, Conv2DSpec{1, 2, 2, 1, 0, true});
  c.weights() = mat({{1, 2, 3, 4}});
  c.bias() = mat({{1}});
  Matrix out;
  c.forward(mat({{1, 2, 3, 4, 5, 6, 7, 8, 9}}), out, kInfer);
  EXPECT_EQ(c.output_shape(), (Shape{1, 2, 2}));
  expect_matrix_near(out, mat({{38, 48, 68, 78}}), 1e-5);
  EXPECT_EQ(c.macs_per_sample(), 4 * 4);
}

TEST(Conv2D, PaddingAndStride) {
  // 3x3 all-ones kernel, pad 1, stride 2 on the 3x3 image 1..9: output floor((3+2-3)/2)+1 = 2;
  // each window covers the 2x2 corner block it overlaps: 1+2+4+5 = 12, 2+3+5+6 = 16,
  // 4+5+7+8 = 24, 5+6+8+9 = 28. Two output channels, the second kernel doubled.
  Conv2D c("conv", Shape{1, 3, 3}, Conv2DSpec{2, 3, 3, 2, 1, false});
  c.weights().row(0).setOnes();
  c.weights().row(1).setConstant(2.0f);
  Matrix out;
  c.forward(mat({{1, 2, 3, 4, 5, 6, 7, 8, 9}}), out, kInfer);
  expect_matrix_near(out, mat({{12, 16, 24, 28, 24, 32, 48, 56}}), 1e-5);
  EXPECT_EQ(c.parameter_count(), 18);  // no bias
}

// Direct convolution, the reference for the im2col + GEMM kernel.
Matrix naive_conv(const Conv2D& c, const Matrix& in) {
  const Shape is = c.input_shape(), os = c.output_shape();
  Matrix out(in.rows(), os.size());
  for (Eigen::Index n = 0; n < in.rows(); ++n) {
    for (int o = 0; o < os.c; ++o) {
      for (int oy = 0; oy < os.h; ++oy) {
        for (int ox = 0; ox < os.w; ++ox) {
          double s = c.bias()(0, o);
          for (int ch = 0; ch < is.c; ++ch) {
            for (int ky = 0; ky < c.kernel_h(); ++ky) {
              for (int kx = 0; kx < c.kernel_w(); ++kx) {
                const int iy = oy * c.stride() - c.pad() + ky, ix = ox * c.stride() - c.pad() + kx;
                if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
                s += static_cast<double>(c.weights()(o, (ch * c.kernel_h() + ky) * c.kernel_w() + kx)) *
                     in(n, (ch * is.h + iy) * is.w + ix);
              }
            }
          }
          out(n, (o * os.h + oy) * os.w + ox) = static_cast<float>(s);
        }
      }
    }
  }
  return out;
}

TEST(Conv2D, Im2colGemmAgreesWithDirectConvolution) {
  for (const auto& spec : {Conv2DSpec{5, 3, 3, 1, 1, true}, Conv2DSpec{4, 5, 3, 2, 2, true},
                           Conv2DSpec{3, 1, 1, 2, 0, true}}) {
    Conv2D c("conv", Shape{3, 9, 8}, spec);
    c.weights() = random_matrix(c.weights().rows(), c.weights().cols(), 1);
    c.bias() = random_matrix(1, spec.out_channels, 2);
    const Matrix in = random_matrix(37, 3 * 9 * 8, 3);  // several chunks of samples
    Matrix out;
    c.forward(in, out, kInfer);
    expect_matrix_near(out, naive_conv(c, in), 1e-4);
  }
}

TEST(Conv2D, RejectsKernelLargerThanInput) {
  try {
    Conv2D c("big", Shape{1, 2, 2}, Conv2DSpec{1, 3, 3, 1, 0, true});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'big': kernel 3x3 (pad 0) does not fit input 1x2x2");
  }
}

TEST(WindowExtent, FloorAndCeilModes) {
  EXPECT_EQ(window_output_extent(224, 7, 2, 3), 112);         // (224+6-7)/2+1
  EXPECT_EQ(window_output_extent(112, 3, 2, 0, true), 56);    // ceil(109/2)+1
  EXPECT_EQ(window_output_extent(112, 3, 2, 0, false), 55);   // floor(109/2)+1
  EXPECT_EQ(window_output_extent(14, 2, 2, 0, true), 7);
  EXPECT_EQ(window_output_extent(5, 2, 2, 0, true), 3);       // last window starts at 4 < 5
}

TEST(MaxPool2D, ForwardMatchesHandComputation) {
  // 4x4 image, 2x2 windows stride 2: max of each quadrant.
  MaxPool2D p("pool", Shape{1, 4, 4}, PoolSpec{2, 2, 0, false});
  Matrix out;
  p.forward(mat({{1, 5, 2, 0, 3, 4, 8, 7, -1, -2, 6, 6, -3, -4, 9, 1}}), out, kInfer);
  expect_matrix_near(out, mat({{5, 8, -1, 9}}), 0);
}

TEST(MaxPool2D, CeilModeAndPadding) {
  // 3x3 image 1..9, 2x2 stride 2, ceil mode: windows {0,1}x{0,1}, {0,1}x{2}, {2}x{0,1}, {2}x{2}
  // -> 5, 6, 8, 9.
  MaxPool2D ceil("pool", Shape{1, 3, 3}, PoolSpec{2, 2, 0, true});
  Matrix out;
  ceil.forward(mat({{1, 2, 3, 4, 5, 6, 7, 8, 9}}), out, kInfer);
  expect_matrix_near(out, mat({{5, 6, 8, 9}}), 0);
  // 3x3 window, stride 2, pad 1 on 4x4 (ResNet's stem pool): out floor((4+2-3)/2)+1 = 2;
  // windows rows/cols {0,1}, {1,2,3}; padding never wins even with negative values.
  MaxPool2D padded("pool", Shape{1, 4, 4}, PoolSpec{3, 2, 1, false});
  padded.forward(-mat({{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}), out, kInfer);
  expect_matrix_near(out, mat({{-1, -2, -5, -6}}), 0);
}

TEST(AvgPool2D, ForwardMatchesHandComputation) {
  AvgPool2D p("pool", Shape{1, 4, 4}, PoolSpec{2, 2, 0, false});
  Matrix out;
  p.forward(mat({{1, 5, 2, 0, 3, 4, 8, 7, -1, -2, 6, 6, -3, -4, 9, 1}}), out, kInfer);
  // (1+5+3+4)/4, (2+0+8+7)/4, (-1-2-3-4)/4, (6+6+9+1)/4
  expect_matrix_near(out, mat({{3.25f, 4.25f, -2.5f, 5.5f}}), 1e-6);
  // pad 1, kernel 2, stride 2 on 2x2: windows cover one real cell each, divisor 4 (torch
  // count_include_pad): 1/4, 2/4, 3/4, 4/4.
  AvgPool2D padded("pool", Shape{1, 2, 2}, PoolSpec{2, 2, 1, false});
  padded.forward(mat({{1, 2, 3, 4}}), out, kInfer);
  expect_matrix_near(out, mat({{0.25f, 0.5f, 0.75f, 1.0f}}), 1e-6);
}

TEST(GlobalAvgPool, MeanPerChannel) {
  GlobalAvgPool g("gap", Shape{2, 2, 2});
  Matrix out;
  g.forward(mat({{1, 2, 3, 4, 10, 20, 30, 40}}), out, kInfer);
  expect_matrix_near(out, mat({{2.5f, 25}}), 1e-6);
  EXPECT_EQ(g.output_shape(), (Shape{2, 1, 1}));
}

TEST(Activation, ScalarValues) {
  // relu(-1) = 0, relu(2) = 2; sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4; softsign(1) = 1/2,
  // softsign(-3) = -3/4; tanh(0) = 0, tanh(ln 2) = (2 - 1/2)/(2 + 1/2) = 0.6.
  const Matrix x = mat({{-1, 2, 0, std::log(3.0f), 1, -3, 0, std::log(2.0f)}});
  const Matrix want[4] = {mat({{0, 2, 0, std::log(3.0f), 1, 0, 0, std::log(2.0f)}}),
                          mat({{0.268941f, 0.880797f, 0.5f, 0.75f, 0.731059f, 0.047426f, 0.5f, 2.0f / 3}}),
                          mat({{-0.5f, 2.0f / 3, 0, 0.523495f, 0.5f, -0.75f, 0, 0.409384f}}),
                          mat({{-0.761594f, 0.964028f, 0, 0.8f, 0.761594f, -0.995055f, 0, 0.6f}})};
  const Activation fs[4] = {Activation::kReLU, Activation::kSigmoid, Activation::kSoftsign,
                            Activation::kTanh};
  for (int i = 0; i < 4; ++i) {
    ActivationLayer a("act", Shape{8, 1, 1}, fs[i]);
    Matrix out;
    a.forward(x, out, kInfer);
    expect_matrix_near(out, want[i], 1e-5);
    for (Eigen::Index c = 0; c < x.cols(); ++c) EXPECT_NEAR(activate(fs[i], x(0, c)), want[i](0, c), 1e-5);
  }
  EXPECT_NEAR(activate_derivative(Activation::kSigmoid, 0.0f), 0.25f, 1e-7);   // s(1-s)
  EXPECT_NEAR(activate_derivative(Activation::kSoftsign, 1.0f), 0.25f, 1e-7);  // 1/(1+1)^2
  EXPECT_NEAR(activate_derivative(Activation::kTanh, 0.0f), 1.0f, 1e-7);
}

TEST(Dropout, IdentityAtInferenceScaledMaskInTraining) {
  Dropout d("drop", Shape{1000, 1, 1}, 0.5f);
  const Matrix x = Matrix::Ones(4, 1000);
  Matrix out;
  d.forward(x, out, kInfer);
  EXPECT_EQ(out, x);
  PassContext train;
  train.training = true;
  train.seed = 7;
  d.forward(x, out, train);
  // inverted dropout: kept values are 1/(1-0.5) = 2
  const auto kept = (out.array() == 2.0f).count();
  EXPECT_EQ(kept + (out.array() == 0.0f).count(), out.size());
  EXPECT_NEAR(static_cast<double>(kept) / out.size(), 0.5, 0.03);  // 4000 draws, sd 0.008
}

TEST(Flatten, ChannelMajorColumnsPassThroughBothWays) {
  // A 2x2x2 sample (c, h, w) is stored channel-major, column c*4 + y*2 + x, so flattening to
  // 8x1x1 keeps every value in its column; the gradient comes back unchanged the same way.
  Flatten f("flatten", Shape{2, 2, 2});
  EXPECT_EQ(f.output_shape(), (Shape{8, 1, 1}));
  EXPECT_EQ(f.parameter_count(), 0);
  EXPECT_EQ(f.macs_per_sample(), 0);
  const Matrix x = mat({{1, 2, 3, 4, 5, 6, 7, 8}, {-1, -2, -3, -4, -5, -6, -7, -8}});
  Matrix out;
  f.forward(x, out, kInfer);
  EXPECT_EQ(out, x);
  const Matrix g = mat({{0.5f, 0, 0, 0, 0, 0, 0, -0.5f}, {1, 1, 1, 1, 2, 2, 2, 2}});
  Matrix gin;
  f.backward(x, out, g, &gin);
  EXPECT_EQ(gin, g);
  f.backward(x, out, g, nullptr);  // no input gradient wanted: nothing to write
  try {
    f.forward(Matrix::Zero(1, 7), out, kInfer);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Flatten 'flatten': input has 7 columns, expected 8");
  }
}

TEST(Dropout, MaskDependsOnSampleIdNotBatchPosition) {
  Dropout d("drop", Shape{64, 1, 1}, 0.5f);
  const Matrix x = random_matrix(3, 64, 5);
  PassContext train;
  train.training = true;
  train.seed = 3;
  const std::vector<std::int64_t> ids{10, 20, 30};
  train.sample_ids = ids;
  Matrix a, b;
  d.forward(x, a, train);
  Matrix swapped = x;
  swapped.row(0) = x.row(2);
  swapped.row(2) = x.row(0);
  const std::vector<std::int64_t> swapped_ids{30, 20, 10};
  train.sample_ids = swapped_ids;
  d.forward(swapped, b, train);
  EXPECT_EQ(a.row(0), b.row(2));
  EXPECT_EQ(a.row(1), b.row(1));
  train.epoch = 1;  // a new epoch draws a new mask
  d.forward(swapped, b, train);
  EXPECT_NE(a.row(1), b.row(1));
}

TEST(Dropout, RejectsRateOutOfRange) {
  try {
    Dropout d("drop", Shape{4, 1, 1}, 1.0f);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Dropout 'drop': rate 1 must lie in [0, 1)");
  }
}

TEST(BatchNorm, UsesRunningStatistics) {
  BatchNorm bn("bn", Shape{2, 1, 2}, 1e-5f);
  bn.gamma() = mat({{2, 1}});
  bn.beta() = mat({{1, 0}});
  bn.running_mean() = mat({{3, -1}});
  bn.running_var() = mat({{4, 0.25f}});
  Matrix out;
  bn.forward(mat({{5, 3, 0, -1}}), out, kInfer);
  // ch0: 2*(x-3)/2+1 -> 3, 1; ch1: (x+1)/0.5 -> 2, 0 (eps 1e-5 changes the 5th digit at most)
  expect_matrix_near(out, mat({{3, 1, 2, 0}}), 1e-4);
  EXPECT_EQ(bn.parameter_count(), 4);  // gamma and beta; running statistics are buffers
  EXPECT_EQ(bn.buffers().size(), 2u);
}

TEST(Merge, AddSumsAndConcatStacksChannels) {
  const Shape s{2, 1, 2};
  Add add("add", {s, s});
  Concat cat("cat", {s, Shape{1, 1, 2}});
  const Matrix a = mat({{1, 2, 3, 4}}), b = mat({{10, 20, 30, 40}}), c = mat({{-1, -2}});
  Matrix out;
  std::vector<const Matrix*> ab{&a, &b}, ac{&a, &c};
  add.forward_inputs(ab, out, kInfer);
  expect_matrix_near(out, mat({{11, 22, 33, 44}}), 0);
  cat.forward_inputs(ac, out, kInfer);
  EXPECT_EQ(cat.output_shape(), (Shape{3, 1, 2}));
  expect_matrix_near(out, mat({{1, 2, 3, 4, -1, -2}}), 0);
  try {
    Add bad("bad", {s, Shape{1, 1, 2}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "Add 'bad': input shapes differ (2x1x2 vs 1x1x2)");
  }
}

TEST(SoftmaxCrossEntropy, ValueAndGradient) {
  // logits [0, ln 3]: softmax = [1/4, 3/4]; label 1: loss = -ln(3/4) = 0.2876821;
  // gradient of the mean loss (batch 2) = (p - onehot)/2 = [0.125, -0.125].
  // Row 2: logits [2, 0] with label 1 is misclassified: loss = ln(1+e^2) = 2.1269280.
  const Matrix logits = mat({{0, std::log(3.0f)}, {2, 0}});
  const std::vector<int> labels{1, 1};
  Matrix grad;
  const LossResult r = softmax_cross_entropy(logits, labels, &grad);
  EXPECT_NEAR(r.loss_sum, 0.2876821 + 2.1269280, 1e-5);
  EXPECT_EQ(r.errors, 1);
  const double e2 = std::exp(2.0);
  expect_matrix_near(grad, mat({{0.125f, -0.125f},
                                {static_cast<float>(e2 / (1 + e2) / 2), static_cast<float>((1 / (1 + e2) - 1) / 2)}}),
                     1e-6);
  expect_matrix_near(softmax(logits).topRows(1), mat({{0.25f, 0.75f}}), 1e-6);
  const std::vector<int> bad{1, 2};
  try {
    softmax_cross_entropy(logits, bad, nullptr);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "softmax_cross_entropy: label 2 of row 1 outside [0, 2)");
  }
}

}  // namespace
}  // namespace rapidnn::nn
