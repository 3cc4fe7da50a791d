// Keras HDF5 weight reader (keras.applications layout) and its matching to a topology.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "distributed/weight_source.hpp"
#include "io/keras_weights.hpp"
#include "io/model_file.hpp"
#include "nn/dense.hpp"
#include "nn/zoo.hpp"
#include "keras_fixture.hpp"
#include "temp_dir.hpp"
#include "error_message.hpp"

using namespace rapidnn;
using rapidnn::testing::KerasLayerFixture;
using rapidnn::testing::ramp;
using rapidnn::testing::error_message;

namespace {

// conv: 3x3 kernel, 2 input channels, 4 outputs -> (3, 3, 2, 4), fan_in 18; pool: no weights;
// dense: 8 -> 5.
std::vector<KerasLayerFixture> small_net() {
  return {{"block1_conv1", {3, 3, 2, 4}, ramp(72)}, {"block1_pool", {}, {}}, {"fc1", {8, 5}, ramp(40)}};
}

std::vector<distributed::LayerSpec> small_topology() {
  return {{"conv1", true, 18, 4}, {"fc6", false, 8, 5}};
}


}  // namespace

TEST(KerasWeights, ReadsLayoutAndValues) {
  for (const bool vlen : {false, true}) {
    rapidnn::testing::TempDir dir("keras");
    const auto path = dir / "w.h5";
    rapidnn::testing::write_keras_file(path, small_net(), vlen);
    io::KerasWeightFile f(path);
    EXPECT_EQ(f.layer_names(), (std::vector<std::string>{"block1_conv1", "block1_pool", "fc1"}));
    EXPECT_EQ(f.weight_names("fc1"), (std::vector<std::string>{"fc1/kernel:0", "fc1/bias:0"}));
    EXPECT_TRUE(f.weight_names("block1_pool").empty());
    EXPECT_EQ(f.kernel_layers(), (std::vector<std::string>{"block1_conv1", "fc1"}));
    EXPECT_EQ(f.shape("block1_conv1", "block1_conv1/kernel:0"), (std::vector<std::uint64_t>{3, 3, 2, 4}));
    EXPECT_EQ(f.read_all("fc1", "fc1/kernel:0"), ramp(40));
    // Rows [2, 5) of the (8 x 5) dense kernel are elements [10, 25).
    const auto rows = f.read_rows("fc1", "fc1/kernel:0", 2, 5);
    const auto all = ramp(40);
    EXPECT_EQ(rows, std::vector<float>(all.begin() + 10, all.begin() + 25));
    // The 4-D conv kernel viewed as (3*3*2 = 18) x 4: rows [5, 11) are elements [20, 44),
    // a range that crosses the (kh, kw) boundaries of the 4-D space.
    const auto conv = f.read_rows("block1_conv1", "block1_conv1/kernel:0", 5, 11);
    const auto c_all = ramp(72);
    EXPECT_EQ(conv, std::vector<float>(c_all.begin() + 20, c_all.begin() + 44));
  }
}

TEST(KerasWeights, MatchesTopologyAndServesRows) {
  rapidnn::testing::TempDir dir("keras");
  const auto path = dir / "w.h5";
  rapidnn::testing::write_keras_file(path, small_net());
  distributed::KerasWeights w(path, small_topology());
  EXPECT_EQ(w.keras_layers(), (std::vector<std::string>{"block1_conv1", "fc1"}));
  const auto all = ramp(72);
  EXPECT_EQ(w.rows(0, 0, 18), all);
  const auto dense = ramp(40);
  EXPECT_EQ(w.rows(1, 7, 8), std::vector<float>(dense.begin() + 35, dense.end()));
}

TEST(KerasWeights, ShapeMismatchNamesLayerAndBothShapes) {
  rapidnn::testing::TempDir dir("keras");
  const auto path = dir / "w.h5";
  auto net = small_net();
  net[2] = {"fc1", {8, 6}, ramp(48)};  // 6 outputs where the topology has 5
  rapidnn::testing::write_keras_file(path, net);
  EXPECT_EQ(error_message<Error>([&] { distributed::KerasWeights(path, small_topology()); }),
            path.string() + ": layer 'fc1' (topology layer 'fc6'): kernel shape (8, 6) does not match the "
                            "topology's (8, 5)");
  net = small_net();
  net[0] = {"block1_conv1", {3, 3, 3, 4}, ramp(108)};  // 3 input channels: fan_in 27, not 18
  rapidnn::testing::write_keras_file(path, net);
  EXPECT_EQ(error_message<Error>([&] { distributed::KerasWeights(path, small_topology()); }),
            path.string() + ": layer 'block1_conv1' (topology layer 'conv1'): kernel shape (3, 3, 3, 4) does not "
                            "match the topology's (kh, kw, in, 4) with kh*kw*in = 18");
}

TEST(KerasWeights, LayerCountMismatchAndBadFiles) {
  rapidnn::testing::TempDir dir("keras");
  const auto path = dir / "w.h5";
  rapidnn::testing::write_keras_file(path, {{"fc1", {8, 5}, ramp(40)}});
  EXPECT_EQ(error_message<Error>([&] { distributed::KerasWeights(path, small_topology()); }),
            path.string() + ": 1 layers with a kernel (fc1) but the topology has 2 weight layers (conv1, fc6)");
  EXPECT_EQ(error_message<Error>([&] { io::KerasWeightFile(dir / "missing.h5"); }),
            (dir / "missing.h5").string() + ": cannot open Keras weights: no such file");
  // An HDF5 file without layer_names is not a Keras weight file.
  const hid_t f = H5Fcreate((dir / "plain.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  EXPECT_EQ(error_message<Error>([&] { io::KerasWeightFile(dir / "plain.h5"); }),
            (dir / "plain.h5").string() + ": not a Keras weight file: the root has no 'layer_names' attribute");
}

// rapidnn's own model files: tensors "<layer>/weights" {out, in} served as (in x out) rows.
TEST(ModelFileWeights, ServesTransposedRowsAndChecksShapes) {
  rapidnn::testing::TempDir dir("modelfile");
  const auto path = dir / "m.h5";
  nn::Model model = nn::zoo::build("mlp", {1, 28, 28}, 10, 4);
  {
    auto out = io::ResultFile::create(par::Communicator(), path, false, io::RunInfo{"test", "", "", 4});
    io::write_model(out, "/model", model);
    out.commit();
  }
  const auto layers = distributed::topology_layers("mnist_mlp");  // fc1 784x512, fc2 512x512, fc3 512x10
  distributed::ModelFileWeights w(path, "/model", layers);
  const nn::Matrix& fc1 = model.dense_at(model.compute_nodes()[0]).weights();  // 512 x 784
  const auto rows = w.rows(0, 5, 9);  // inputs 5..8, all 512 outputs
  ASSERT_EQ(rows.size(), 4U * 512U);
  for (int r = 0; r < 4; ++r)
    for (int o = 0; o < 512; o += 51) EXPECT_EQ(rows[static_cast<std::size_t>(r * 512 + o)], fc1(o, 5 + r));
  const auto har = distributed::topology_layers("har_mlp");  // fc1 561x512: does not match
  EXPECT_EQ(error_message<Error>([&] { distributed::ModelFileWeights(path, "/model", har); }),
            path.string() + ": tensor 'fc1/weights' (topology layer 'fc1'): shape (512, 784) does not match the "
                            "topology's (512, 561)");
}
