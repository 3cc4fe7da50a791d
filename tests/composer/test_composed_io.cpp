// Round trip of a composed model through HDF5: written with the driver's record sets and
// io::write_model, read back with io::read_model + read_composed, it predicts exactly as before
// (no re-clustering: the tables are loaded as stored).
#include <gtest/gtest.h>

#include "common/composed_io.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/model_file.hpp"
#include "nn/zoo.hpp"
#include "temp_dir.hpp"

namespace rapidnn::experiments {
namespace {

TEST(ComposedIo, ReloadedModelPredictsTheSame) {
  nn::Model model = nn::zoo::build("mlp", nn::Shape{1, 28, 28}, 10, 3);
  nn::Matrix x(50, 784);
  CounterRng rng(1, RngDomain::kSyntheticData, 0);
  for (std::int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
  std::vector<std::int64_t> rows(50);
  for (int i = 0; i < 50; ++i) rows[static_cast<std::size_t>(i)] = i;
  const auto samples = composer::collect_layer_samples(model, x, rows);
  const std::vector<int> sizes{16};
  const auto cb = composer::build_layer_codebooks(model, samples, composer::CodebookKind::kTree, sizes, sizes, 0.001);
  const auto cm = composer::compose(model, cb, {16, 16, 16, composer::TablePlacement::kArcLength});
  const auto before = composer::lut_logits(cm, x);

  testing::TempDir dir("composer-io");
  const par::Communicator comm;
  {
    auto f = io::ResultFile::create(comm, dir / "c.h5", false, {"test", "", "", 1});
    RecordSet::write_from(comm, 0, composed_records(cm), f, "/c");
    io::write_model(f, "/c/model", model);
    RecordSet layers;
    add_codebook_records(layers, model, cb);
    RecordSet::write_from(comm, 0, layers, f, "/layers");
    f.commit();
  }
  io::ResultReader r(dir / "c.h5");
  const nn::Model structure = io::read_model(r, "/c/model");
  const auto back = read_composed(r, "/c", structure);
  EXPECT_EQ(back.q(), 16);
  const auto after = composer::lut_logits(back, x);
  EXPECT_EQ((before - after).cwiseAbs().maxCoeff(), 0.0f);
  // Codebook levels are stored per layer: tree levels 2, 4, 8, 16 of the first dense layer.
  const std::string l0 = model.layer(model.compute_nodes()[0]).name();
  EXPECT_EQ(r.dims("/layers/" + l0 + "/weight_codebook/size_16/centroids"), (std::vector<std::uint64_t>{1, 16}));
  EXPECT_TRUE(r.exists("/layers/" + l0 + "/input_codebook/size_2/counts"));
  // Both WCSS per codebook, as computed: the tree level's and the exact flat k-means' (<= it).
  const auto wt = r.read<double>("/layers/" + l0 + "/weight_codebook/size_16/wcss_tree");
  const auto wf = r.read<double>("/layers/" + l0 + "/weight_codebook/size_16/wcss_flat");
  ASSERT_EQ(wt.size(), 1u);
  EXPECT_EQ(wt[0], cb.weights[0][0].wcss_tree_at(16));
  EXPECT_EQ(wf[0], cb.weights[0][0].wcss_flat_at(16));
  EXPECT_LE(wf[0], wt[0]);
  EXPECT_EQ(r.read<double>("/layers/" + l0 + "/input_codebook/size_16/wcss_flat")[0], cb.inputs[0].wcss_flat_at(16));
  try {
    read_composed(r, "/missing", structure);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "c.h5").string() + ": composed model dataset /missing/stage_count is missing");
  }
}

}  // namespace
}  // namespace rapidnn::experiments
