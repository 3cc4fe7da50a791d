// Reads the real Fashion-MNIST test split when the Debian package dataset-fashion-mnist is
// installed; skipped otherwise.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/datasets/idx.hpp"
#include "io/datasets/normalize.hpp"

namespace rapidnn::datasets {
namespace {

TEST(FashionMnist, RealTestSplitHas10000BalancedSamples) {
  const std::filesystem::path dir = kDebianFashionMnistDir;
  if (!std::filesystem::exists(dir / "t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << dir << " absent (Debian package dataset-fashion-mnist)";
  Dataset ds = load_fashion_mnist(dir, "test");
  check_consistent(ds);
  // Xiao, Rasul, Vollgraf 2017: the test set has 10,000 28x28 images, 1,000 per class.
  EXPECT_EQ(ds.n, 10000);
  EXPECT_EQ(ds.d, 784);
  EXPECT_EQ(ds.shape, (SampleShape{1, 28, 28}));
  EXPECT_EQ(label_histogram(ds), std::vector<std::int64_t>(10, 1000));
  float lo = 255, hi = 0;
  for (float x : ds.features) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 255.0f);
  scale_to_unit(ds);
  EXPECT_LE(*std::max_element(ds.features.begin(), ds.features.end()), 1.0f);
}

}  // namespace
}  // namespace rapidnn::datasets
