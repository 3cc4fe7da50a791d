// Activation samples are the same set for any rank count, and so are the codebooks clustered
// from them with the sharded k-means and tree (compared with a single-rank run on every rank).
#include <gtest/gtest.h>

#include <algorithm>

#include "distributed/activation_samples.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "distributed/sharded_tree.hpp"
#include "nn/zoo.hpp"

using namespace rapidnn;
using namespace rapidnn::distributed;

TEST(ActivationSamplesMpi, SameSampleAndCodebooksForAnyRankCount) {
  const auto comm = par::Communicator::world();
  ASSERT_GT(comm.size(), 1);
  nn::Model model = nn::zoo::build("mlp", {1, 28, 28}, 10, 3);
  ActivationSampleParams p;
  p.images = 22;  // not a multiple of the batch: the last batch is short
  p.batch = 4;
  p.reservoir = 3000;
  p.seed = 9;
  const auto images = synthetic_images(5, model.input_shape().size());
  const auto dist = sample_activations(comm, model, images, p);
  const auto single = sample_activations(par::Communicator(), model, images, p);
  ASSERT_EQ(dist.size(), 3U);  // fc layers of the MLP
  for (std::size_t l = 0; l < dist.size(); ++l) {
    // The union over the ranks is the single-rank sample.
    std::vector<float> all = comm.allgatherv(std::span<const float>(dist[l].values));
    std::vector<float> ref = single[l].values;
    std::sort(all.begin(), all.end());
    std::sort(ref.begin(), ref.end());
    EXPECT_EQ(all, ref) << dist[l].name;
    // 22 images x layer input width values were offered; the sample holds min(reservoir, offered).
    EXPECT_EQ(dist[l].seen, single[l].seen);
    EXPECT_EQ(ref.size(), std::min<std::uint64_t>(p.reservoir, single[l].seen));
    const auto a = sharded_kmeans(comm, dist[l].values, 8);
    const auto b = sharded_kmeans(par::Communicator(), single[l].values, 8);
    EXPECT_EQ(a.centroids, b.centroids) << dist[l].name;
    EXPECT_EQ(a.wcss, b.wcss);
    const auto ta = sharded_tree(comm, dist[l].values, 3);
    const auto tb = sharded_tree(par::Communicator(), single[l].values, 3);
    EXPECT_EQ(ta.level_centroids, tb.level_centroids) << dist[l].name;
  }
  EXPECT_EQ(dist[0].seen, 22U * 784U);  // the first layer's input is the image itself
}
