// Binned k-means refinement (binned_kmeans.hpp) against a plain Lloyd on the raw values with the
// same fixed-point statistics, and the binned exact tree against build_tree_codebook, on one
// shard. Sharding (MPI reducer / gatherer) is tested for bit-identity with 1, 2 and 4 ranks in
// tests/distributed.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "cluster/binned_kmeans.hpp"
#include "cluster/binned_tree.hpp"
#include "cluster/codebook.hpp"
#include "cluster/fixed_point_stats.hpp"
#include "cluster/histogram.hpp"
#include "cluster/tree_codebook.hpp"
#include "laplace_values.hpp"

namespace rc = rapidnn::cluster;

namespace {

std::vector<float> laplace_values(std::size_t n, std::uint64_t item) {
  return rapidnn::testing::laplace_values(n, 23, item);
}

rc::Histogram1D histogram_of(std::span<const float> v, int bins) {
  const auto r = rc::value_range(v);
  auto h = rc::make_histogram(r.min, r.max, bins, rc::BinExtrema::kKeep);
  rc::accumulate_histogram(v, h);
  return h;
}

}  // namespace

TEST(BinnedRefine, SameStepsAsPlainLloydOnTheRawValues) {
  // 4096 bins, k = 16 from the histogram: one midpoint per boundary bin. 40 bins (0.6 wide here)
  // with 12 centroids bunched around 0: bins holding two or more midpoints, whose values split
  // three or more ways.
  struct Case {
    int bins;
    std::vector<double> init;  // empty: from histogram_centroids
    std::size_t min_shared;    // bins holding >= 2 midpoints of the initial centroids, at least
  };
  for (const Case& cs : {Case{4096, {}, 0},
                         Case{40, {-3, -1, -0.35, -0.2, -0.1, 0, 0.05, 0.15, 0.3, 0.4, 1, 3}, 3}}) {
    const auto v = laplace_values(200000, 1);
    const auto h = histogram_of(v, cs.bins);
    rc::FastKMeansParams p;
    p.max_lloyd_steps = 5;
    p.max_refine_passes = 10;
    p.tolerance = 0;  // take all 5 steps
    const auto init = cs.init.empty() ? rc::histogram_centroids(h, 16, p) : cs.init;
    std::vector<int> mids_per_bin(static_cast<std::size_t>(cs.bins), 0);
    for (const double m : rc::centroid_midpoints(init)) ++mids_per_bin[static_cast<std::size_t>(h.bin_of(m))];
    ASSERT_GE(static_cast<std::size_t>(std::count_if(mids_per_bin.begin(), mids_per_bin.end(), [](int c) { return c >= 2; })),
              cs.min_shared);
    rc::BinnedRefineReport rep;
    const auto got = rc::binned_refine(v, h, init, p, [](std::span<std::int64_t>) {}, &rep);
    // Reference: 5 Lloyd updates from the same centroids with per-value nearest assignment.
    std::vector<double> c = init;
    for (int s = 0; s < 5; ++s) c = rc::lloyd_update(rc::cluster_stats(v, c, h.scale), c, h.scale);
    const auto ref = rc::codebook_from_stats(rc::cluster_stats(v, c, h.scale), c, h.scale, 5);
    SCOPED_TRACE(testing::Message() << cs.bins << " bins, k = " << init.size());
    EXPECT_EQ(got.centroids, ref.centroids);  // the same integers -> the same means
    EXPECT_EQ(got.counts, ref.counts);
    EXPECT_EQ(got.iterations, 5);
    EXPECT_NEAR(got.wcss, ref.wcss, 1e-12 * ref.wcss);  // from the total sum of q^2 vs per cluster
    EXPECT_GE(rep.data_passes, 1);
    EXPECT_LE(rep.data_passes, p.max_refine_passes);
  }
}

TEST(BinnedTree, ExactSplitsEqualBuildTreeCodebook) {
  for (const int bins : {32, 1024, 1 << 16}) {
    const auto v = laplace_values(50000, 3);
    const auto h = histogram_of(v, bins);
    rc::BinnedTreeReport rep;
    const auto got = rc::binned_tree(v, h, 6, rc::ShardReductions::identity(), {}, &rep);
    const auto ref = rc::build_tree_codebook(std::span<const float>(v), 6);
    for (int l = 1; l <= 6; ++l) {
      EXPECT_EQ(got.level_counts[l - 1], ref.level_counts[l - 1]) << "bins " << bins << " level " << l;
      for (std::size_t j = 0; j < got.level(l).size(); ++j)
        EXPECT_NEAR(got.level(l)[j], ref.level(l)[j], 1e-9) << "bins " << bins << " level " << l;
      EXPECT_NEAR(got.level_wcss[l - 1], ref.level_wcss[l - 1], 1e-9 * ref.level_wcss[l - 1]);
    }
    for (std::size_t i = 0; i < v.size(); i += 13) EXPECT_EQ(got.encode(v[i], 6), ref.encode(v[i], 6));
    // The histogram-only prediction opens (nearly) everything in its two rounds; no cell of more
    // than gather_below values is ever collected whole unless it is a refined sub-bin.
    EXPECT_GE(rep.data_passes, 1);
    EXPECT_LE(rep.data_passes, 2 + 2 * 6);
    if (bins == (1 << 16)) {  // fine bins: a few passes, and only a few values collected
      EXPECT_LE(rep.data_passes, 3);
      EXPECT_LT(rep.gathered_values, v.size() / 20);
    }
  }
}
