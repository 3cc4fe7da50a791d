// Rank-count independence of the codebook job (run with 2 and 4 ranks): every codebook equals,
// bit for bit, the one computed by the same job on a single rank (par::Communicator() holds all
// the data), for whole problems (conv channels, a small dense layer) and sharded ones.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "cluster/kmeans1d_fast.hpp"
#include "cluster/tree_codebook.hpp"
#include "distributed/codebook_job.hpp"
#include "distributed/codebook_output.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "distributed/sharded_tree.hpp"
#include "io/result_reader.hpp"
#include "par/partition.hpp"
#include "temp_dir.hpp"

using namespace rapidnn;
using namespace rapidnn::distributed;

namespace {

std::vector<LayerSpec> layers() {
  return {
      {"conv_a", true, 27, 6},      // 27 weights per channel: k is capped at 27
      {"conv_b", true, 72, 10},     // 10 channels of 72
      {"fc_big", false, 400, 150},  // 60000 values > shard_above: sharded over the ranks
      {"fc_small", false, 50, 40},  // 2000: whole
      {"fc_mid", false, 90, 300},   // 27000: sharded (not a multiple of the rank counts' rows)
  };
}

JobParams params() {
  JobParams p;
  p.k = 16;
  p.tree_levels = 4;
  p.shard_above = 20000;
  p.fast.exact_below = 1000;  // fc_small goes through the histogram path too
  p.fast.histogram_bins = 256;  // small: exercise the gather path of the exact tree splits
  return p;
}

void expect_same(const ProblemResult& a, const ProblemResult& b, const std::string& what) {
  EXPECT_EQ(a.flat.centroids, b.flat.centroids) << what;
  EXPECT_EQ(a.flat.counts, b.flat.counts) << what;
  EXPECT_EQ(a.flat.wcss, b.flat.wcss) << what;
  EXPECT_EQ(a.flat.iterations, b.flat.iterations) << what;
  EXPECT_EQ(a.tree.level_centroids, b.tree.level_centroids) << what;
  EXPECT_EQ(a.tree.level_counts, b.tree.level_counts) << what;
  EXPECT_EQ(a.tree.level_wcss, b.tree.level_wcss) << what;
  EXPECT_EQ(a.tree.split_thresholds, b.tree.split_thresholds) << what;
}

}  // namespace

TEST(CodebookJobMpi, BitIdenticalToSingleRank) {
  const auto comm = par::Communicator::world();
  ASSERT_GT(comm.size(), 1);
  const auto L = layers();
  const SyntheticWeights w(L, 11);
  const JobResult dist = run_codebook_job(comm, L, w, params());
  const JobResult single = run_codebook_job(par::Communicator(), L, w, params());

  ASSERT_EQ(dist.sharded.size(), 2U);
  ASSERT_EQ(dist.sharded, single.sharded);
  for (std::size_t i = 0; i < dist.sharded.size(); ++i)
    expect_same(dist.sharded_results[i], single.sharded_results[i], problem_name(L, dist.problems[dist.sharded[i]]));
  const par::Range mine = dist.blocks[static_cast<std::size_t>(comm.rank())];
  for (std::uint64_t i = mine.begin; i < mine.end; ++i)
    expect_same(dist.whole_results[i - mine.begin], single.whole_results[i],
                problem_name(L, dist.problems[dist.whole[i]]));
  // The blocks cover all whole problems once.
  std::uint64_t covered = comm.sum<std::uint64_t>(mine.size());
  EXPECT_EQ(covered, dist.whole.size());
  // A first-layer channel of 27 weights gets k = 16 <= 27; conv_a has 6 channels, conv_b 10.
  EXPECT_EQ(dist.whole.size(), 6U + 10U + 1U);
  // Communication of the sharded work is O(bins + k) per pass, never O(n): well below the
  // 87000 sharded values' bytes.
  EXPECT_GT(dist.rank.bytes_communicated, 0U);
}

TEST(CodebookJobMpi, ShardedEqualsSingleProcessReferences) {
  const auto comm = par::Communicator::world();
  const auto L = layers();
  const SyntheticWeights w(L, 11);
  const auto all = w.rows(2, 0, 400);
  const auto rows = par::block_range(400, comm.size(), comm.rank());
  const auto local = w.rows(2, rows.begin, rows.end);
  // Flat: the same integers are summed, so the sharded result is kmeans1d_fast's, bit for bit.
  const auto ref = cluster::kmeans1d_fast(all, 16);
  const auto got = sharded_kmeans(comm, local, 16);
  EXPECT_EQ(got.centroids, ref.centroids);
  EXPECT_EQ(got.wcss, ref.wcss);
  // Tree: every split is the exact 2-means split (same cut -> same counts).
  const auto tref = cluster::build_tree_codebook(all, 4);
  const auto tgot = sharded_tree(comm, local, 4, ShardedTreeParams{128});
  for (int l = 1; l <= 4; ++l) EXPECT_EQ(tgot.level_counts[l - 1], tref.level_counts[l - 1]) << "level " << l;
}

TEST(CodebookJobMpi, WritesOneFileWithCollectiveHyperslabs) {
  const auto comm = par::Communicator::world();
  const auto L = layers();
  const SyntheticWeights w(L, 11);
  const JobParams p = params();
  const JobResult job = run_codebook_job(comm, L, w, p);
  std::string dir_name;
  std::unique_ptr<rapidnn::testing::TempDir> dir;
  if (comm.is_root()) {
    dir = std::make_unique<rapidnn::testing::TempDir>("codebooks-mpi");
    dir_name = dir->path().string();
  }
  comm.bcast(dir_name);
  const auto path = std::filesystem::path(dir_name) / "cb.h5";
  {
    auto out = io::ResultFile::create(comm, path, false, io::RunInfo{"codebooks", "", "", 11});
    write_codebook_job(out, "/codebooks", job, p, w.describe());
    out.commit();
  }
  comm.barrier();
  if (comm.is_root()) {
    const JobResult single = run_codebook_job(par::Communicator(), L, w, p);
    io::ResultReader r(path);
    const std::uint64_t P = single.problems.size();
    EXPECT_EQ(r.dims("/codebooks/flat/centroids"), (std::vector<std::uint64_t>{P, 16}));
    const auto layer = r.read<std::int64_t>("/codebooks/problems/layer");
    const auto channel = r.read<std::int64_t>("/codebooks/problems/channel");
    const auto cents = r.read<double>("/codebooks/flat/centroids");
    const auto lvl3 = r.read<double>("/codebooks/tree/level_3/centroids");
    // Rows: sharded problems first, then whole problems, each in plan order.
    std::vector<const ProblemResult*> expect;
    std::vector<std::size_t> plan;
    for (std::size_t i = 0; i < single.sharded.size(); ++i) {
      expect.push_back(&single.sharded_results[i]);
      plan.push_back(single.sharded[i]);
    }
    for (std::size_t i = 0; i < single.whole.size(); ++i) {
      expect.push_back(&single.whole_results[i]);
      plan.push_back(single.whole[i]);
    }
    for (std::size_t row = 0; row < P; ++row) {
      EXPECT_EQ(layer[row], single.problems[plan[row]].layer);
      EXPECT_EQ(channel[row], single.problems[plan[row]].channel);
      const auto& c = expect[row]->flat.centroids;
      for (std::size_t j = 0; j < 16; ++j) {
        if (j < c.size()) EXPECT_EQ(cents[row * 16 + j], c[j]) << "row " << row;
        else EXPECT_TRUE(std::isnan(cents[row * 16 + j]));
      }
      for (std::size_t j = 0; j < 8; ++j) EXPECT_EQ(lvl3[row * 8 + j], expect[row]->tree.level(3)[j]);
    }
    EXPECT_EQ(r.dims("/codebooks/ranks/total_s"), (std::vector<std::uint64_t>{static_cast<std::uint64_t>(comm.size())}));
  }
  comm.barrier();
}
