#pragma once
// Helpers for the nn tests: matrices from literals, random matrices, and a central-difference
// gradient checker for any layer.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <vector>

#include "core/rng.hpp"
#include "nn/layer.hpp"

namespace rapidnn::nn::testing {

inline Matrix mat(std::initializer_list<std::initializer_list<float>> rows) {
  Matrix m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index r = 0;
  for (const auto& row : rows) {
    Eigen::Index c = 0;
    for (const float v : row) m(r, c++) = v;
    ++r;
  }
  return m;
}

inline Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t item,
                            double scale = 1.0) {
  CounterRng rng(99, RngDomain::kUser, item);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(scale * rng.normal());
  return m;
}

inline void expect_matrix_near(const Matrix& got, const Matrix& want, double tol) {
  ASSERT_EQ(got.rows(), want.rows());
  ASSERT_EQ(got.cols(), want.cols());
  for (Eigen::Index r = 0; r < got.rows(); ++r) {
    for (Eigen::Index c = 0; c < got.cols(); ++c) {
      EXPECT_NEAR(got(r, c), want(r, c), tol) << "at (" << r << ", " << c << ")";
    }
  }
}

/// Checks backward against central differences of L = sum(R .* forward(inputs)) for a fixed
/// random R: every input value and every parameter value is perturbed by +-eps. Tolerance is
/// relative to max(1, |numeric|); float forward passes limit it to about 1e-2 with eps 1e-2.
inline void check_gradients(Layer& layer, std::vector<Matrix> inputs, const PassContext& ctx,
                            double tol = 2e-2, float eps = 1e-2f) {
  std::vector<const Matrix*> in;
  for (const Matrix& m : inputs) in.push_back(&m);
  Matrix out;
  layer.forward_inputs(in, out, ctx);
  const Matrix r = random_matrix(out.rows(), out.cols(), 12345);
  auto loss = [&]() {
    Matrix o;
    layer.forward_inputs(in, o, ctx);
    return (o.cast<double>().array() * r.cast<double>().array()).sum();
  };
  for (ParamRef& p : layer.params()) p.grad->setZero(p.value->rows(), p.value->cols());
  layer.forward_inputs(in, out, ctx);
  std::vector<Matrix> grads(inputs.size());
  std::vector<Matrix*> gptr;
  for (Matrix& g : grads) gptr.push_back(&g);
  layer.backward_inputs(in, out, r, gptr);

  for (std::size_t k = 0; k < inputs.size(); ++k) {
    for (Eigen::Index i = 0; i < inputs[k].size(); ++i) {
      float& v = inputs[k].data()[i];
      const float saved = v;
      v = saved + eps;
      const double up = loss();
      v = saved - eps;
      const double down = loss();
      v = saved;
      const double numeric = (up - down) / (2.0 * eps);
      EXPECT_NEAR(grads[k].data()[i], numeric, tol * std::max(1.0, std::fabs(numeric)))
          << layer.name() << ": input " << k << " value " << i;
    }
  }
  for (ParamRef& p : layer.params()) {
    const Matrix analytic = *p.grad;
    for (Eigen::Index i = 0; i < p.value->size(); ++i) {
      float& v = p.value->data()[i];
      const float saved = v;
      v = saved + eps;
      const double up = loss();
      v = saved - eps;
      const double down = loss();
      v = saved;
      const double numeric = (up - down) / (2.0 * eps);
      EXPECT_NEAR(analytic.data()[i], numeric, tol * std::max(1.0, std::fabs(numeric)))
          << layer.name() << ": param " << p.name << " value " << i;
    }
  }
}

}  // namespace rapidnn::nn::testing
