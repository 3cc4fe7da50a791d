// Export/import of the neutral model state: round trip and the errors for a wrong topology,
// a wrong shape and a missing or unexpected tensor.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "nn/batch_norm.hpp"
#include "nn/model_state.hpp"
#include "nn/zoo.hpp"
#include "nn_test_util.hpp"

namespace rapidnn::nn {
namespace {

TEST(ModelState, RoundTripRestoresPredictions) {
  Model a = zoo::build("cifar_cnn", Shape{1, 12, 12}, 5, 1);
  Model b = zoo::build("cifar_cnn", Shape{1, 12, 12}, 5, 2);
  const Matrix x = testing::random_matrix(4, 144, 3);
  const Matrix ya = a.forward(x);
  ASSERT_NE(ya, b.forward(x));
  const ModelState s = export_state(a);
  EXPECT_EQ(s.topology, "cifar_cnn");
  ASSERT_EQ(s.tensors.size(), 10u);  // 5 compute layers x (weights, bias)
  EXPECT_EQ(s.tensors[0].name, "conv1/weights");
  EXPECT_EQ(s.tensors[0].shape, (std::vector<std::int64_t>{32, 1, 3, 3}));
  EXPECT_EQ(s.tensors[1].shape, (std::vector<std::int64_t>{32}));
  import_state(b, s);
  EXPECT_EQ(b.forward(x), ya);
}

TEST(ModelState, BatchNormBuffersTravel) {
  Model a(Shape{2, 1, 1}, "bn");
  a.batch_norm(1e-5f, Model::kPrevious, "bn");
  static_cast<BatchNorm&>(a.layer(1)).running_var() = testing::mat({{4, 9}});
  const ModelState s = export_state(a);
  ASSERT_EQ(s.tensors.size(), 4u);
  EXPECT_EQ(s.tensors[3].name, "bn/running_var");
  EXPECT_EQ(s.tensors[3].data, (std::vector<float>{4, 9}));
}

TEST(ModelState, ErrorsNameTheTensorAndShapes) {
  Model narrow = zoo::build("mlp", Shape{100, 1, 1}, 10, 1);
  Model wide = zoo::build("mlp", Shape{784, 1, 1}, 10, 1);
  ModelState s = export_state(narrow);
  try {
    import_state(wide, s);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "import_state: tensor 'fc1/weights' has shape [512, 100], model expects [512, 784]");
  }
  s = export_state(wide);
  s.tensors.erase(s.tensors.begin() + 3);
  try {
    import_state(wide, s);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "import_state: tensor 'fc2/bias' (shape [512]) missing from the state of 'mlp'");
  }
  s = export_state(wide);
  s.tensors.push_back({"extra/weights", {1}, {0.0f}});
  try {
    import_state(wide, s);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "import_state: the state has 7 tensors, model 'mlp' has 6; unexpected: extra/weights");
  }
  s.topology = "vgg16";
  try {
    import_state(wide, s);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "import_state: state is for topology 'vgg16', model is 'mlp'");
  }
}

}  // namespace
}  // namespace rapidnn::nn
