// The nn::Model -> NetworkShape converter agrees with nn's own counts and with the accel zoo.
#include <gtest/gtest.h>

#include "accel/nn_shape.hpp"
#include "accel/shape_zoo.hpp"
#include "nn/zoo.hpp"

using namespace rapidnn;

TEST(NnShape, MlpMatchesTheAccelZoo) {
  const nn::Model m = nn::zoo::build("mlp", nn::Shape{1, 28, 28}, 10, 1);
  const accel::NetworkShape s = accel::shape_of(m, "mnist_mlp");
  const accel::NetworkShape z = accel::zoo_shape("mnist_mlp");
  EXPECT_EQ(s.total_macs(), m.macs_per_sample());
  EXPECT_EQ(s.total_macs(), z.total_macs());
  EXPECT_EQ(s.total_neurons(), z.total_neurons());
  ASSERT_EQ(s.layers.size(), 4u);  // input + 3 dense (dropout and ReLU fold away)
  EXPECT_TRUE(s.layers[1].has_activation);
  EXPECT_EQ(s.layers[1].fan_in, 784);
}

TEST(NnShape, CnnCountsMatchTheModel) {
  const nn::Model m = nn::zoo::build("cifar_cnn", nn::Shape{3, 32, 32}, 10, 1);
  const accel::NetworkShape s = accel::shape_of(m, "cifar10_cnn");
  EXPECT_EQ(s.total_macs(), m.macs_per_sample());
  std::int64_t weights = 0;
  for (const auto& l : s.layers) weights += l.weights;
  EXPECT_GT(weights, 0);
  bool has_pool = false;
  for (const auto& l : s.layers) has_pool |= l.kind == accel::LayerKind::MaxPool;
  EXPECT_TRUE(has_pool);
}
