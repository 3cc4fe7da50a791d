#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "io/datasets/normalize.hpp"
#include "io/datasets/subset.hpp"
#include "temp_dir.hpp"

namespace rapidnn::datasets {
namespace {
using namespace testing;

Dataset small() {
  Dataset ds;
  ds.name = "small";
  ds.n = 4;
  ds.d = 2;
  ds.shape = {1, 1, 2};
  ds.classes = 3;
  ds.features = {0, 5, 51, 5, 102, 5, 255, 5};
  ds.labels = {0, 1, 2, 1};
  return ds;
}

TEST(Normalize, ScaleToUnitDividesByMax) {
  Dataset ds = small();
  scale_to_unit(ds);
  EXPECT_FLOAT_EQ(ds.features[2], 0.2f);  // 51 / 255
  EXPECT_FLOAT_EQ(ds.features[6], 1.0f);
  EXPECT_EQ(error_of<InvalidArgument>([&] { scale_to_unit(ds, 0.0f); }),
            "scale_to_unit: max_value = 0 must be positive and finite");
}

TEST(Normalize, StandardizeUsesTrainStatistics) {
  Dataset train = small();
  const FeatureStats st = compute_feature_stats(train);
  // Feature 0: mean (0+51+102+255)/4 = 102; deviations -102,-51,0,153; variance
  // (10404+2601+0+23409)/4 = 9103.5. Feature 1 is constant: stddev 0, only centred.
  EXPECT_DOUBLE_EQ(st.mean[0], 102.0);
  EXPECT_DOUBLE_EQ(st.stddev[0], std::sqrt(9103.5));
  EXPECT_DOUBLE_EQ(st.stddev[1], 0.0);
  standardize(train, st);
  EXPECT_FLOAT_EQ(train.features[6], static_cast<float>(153.0 / std::sqrt(9103.5)));
  EXPECT_FLOAT_EQ(train.features[7], 0.0f);
  // A test set is transformed with the same (train) statistics.
  Dataset test = small();
  test.features[0] = 204;
  standardize(test, st);
  EXPECT_FLOAT_EQ(test.features[0], static_cast<float>(102.0 / std::sqrt(9103.5)));
  Dataset wide = small();
  wide.d = 1;
  EXPECT_EQ(error_of<InvalidArgument>([&] { standardize(wide, st); }),
            "standardize: statistics for 2 features, data set 'small' has 1");
}

TEST(Subset, TakeFirstAndSelectRows) {
  const Dataset ds = small();
  const Dataset two = take_first(ds, 2);
  EXPECT_EQ(two.n, 2);
  EXPECT_EQ(two.features, (std::vector<float>{0, 5, 51, 5}));
  EXPECT_EQ(take_first(ds, 10).n, 4);
  const std::vector<std::int64_t> idx{3, 0};
  const Dataset sel = select_rows(ds, idx);
  EXPECT_EQ(sel.labels, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(sel.features, (std::vector<float>{255, 5, 0, 5}));
  const std::vector<std::int64_t> bad{4};
  EXPECT_EQ(error_of<InvalidArgument>([&] { select_rows(ds, bad); }),
            "select_rows: index 4 outside data set 'small' of 4 samples");
}

TEST(Subset, SampleIsDeterministicDistinctSortedAndSeedDependent) {
  const auto a = sample_indices(1000, 100, 42);
  EXPECT_EQ(a, sample_indices(1000, 100, 42));
  EXPECT_NE(a, sample_indices(1000, 100, 43));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<std::int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_GE(a.front(), 0);
  EXPECT_LT(a.back(), 1000);
  // Drawing everything returns every index once.
  const auto all = sample_indices(50, 50, 1);
  for (std::int64_t i = 0; i < 50; ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(error_of<InvalidArgument>([&] { sample_indices(5, 6, 1); }),
            "sample_indices: cannot draw 6 distinct samples from 5");
}

TEST(Subset, SampleIsRoughlyUniform) {
  // 2000 draws of 10 from 20: each index is picked with probability 1/2, i.e. 1000 +- 22.4
  // (binomial sd); 5 sd = 112 bounds every count for a correct sampler.
  std::vector<int> hits(20, 0);
  for (std::uint64_t seed = 0; seed < 2000; ++seed)
    for (auto i : sample_indices(20, 10, seed)) ++hits[static_cast<std::size_t>(i)];
  for (int h : hits) EXPECT_NEAR(h, 1000, 112);
}

TEST(Dataset, ConsistencyCheckAndHistogram) {
  Dataset ds = small();
  check_consistent(ds);
  EXPECT_EQ(label_histogram(ds), (std::vector<std::int64_t>{1, 2, 1}));
  ds.labels[2] = 3;
  EXPECT_EQ(error_of<InvalidArgument>([&] { check_consistent(ds); }),
            "data set 'small': sample 2: label 3 out of range [0, 2]");
  ds.labels.pop_back();
  EXPECT_EQ(error_of<InvalidArgument>([&] { check_consistent(ds); }), "data set 'small': 3 labels, expected n = 4");
}

}  // namespace
}  // namespace rapidnn::datasets
