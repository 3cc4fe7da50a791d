// Model files (io::write_model / io::read_model): an MLP and a conv + BatchNorm model survive
// the HDF5 round trip bit for bit (same logits), and a file whose tensors do not fit the
// recorded topology is rejected with a message naming the file, the group, the tensor and both
// shapes.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/model_file.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"
#include "nn/model_state.hpp"
#include "nn/zoo.hpp"
#include "temp_dir.hpp"

namespace rapidnn {
namespace {

io::RunInfo info() { return {"unit", "", "model.toml", 1}; }

// Every parameter and buffer gets a distinct random value (BatchNorm variances positive), so
// that a tensor written to the wrong place, or a buffer left at its initial value, changes the
// logits.
void randomize(nn::Model& model, std::uint64_t seed) {
  nn::ModelState s = nn::export_state(model);
  CounterRng rng(seed, RngDomain::kUser, 0);
  for (auto& t : s.tensors) {
    const bool variance = t.name.ends_with("/running_var");
    for (float& v : t.data) v = variance ? static_cast<float>(0.5 + rng.uniform()) : static_cast<float>(0.1 * rng.normal());
  }
  nn::import_state(model, s);
}

nn::Matrix inputs(const nn::Model& model, int rows) {
  nn::Matrix x(rows, model.input_shape().size());
  CounterRng rng(5, RngDomain::kUser, 1);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
  return x;
}

void expect_round_trip(nn::Model& model, const std::string& group) {
  testing::TempDir dir;
  const auto path = dir / "model.h5";
  par::Communicator single;
  {
    auto out = io::ResultFile::create(single, path, false, info());
    io::write_model(out, group, model);
    out.commit();
  }
  io::ResultReader in(path);
  nn::Model back = io::read_model(in, group);
  EXPECT_EQ(back.topology(), model.topology());
  EXPECT_EQ(back.input_shape(), model.input_shape());
  EXPECT_EQ(back.num_classes(), model.num_classes());
  const nn::Matrix x = inputs(model, 3);
  const nn::Matrix want = model.forward(x);
  EXPECT_EQ(back.forward(x), want);  // bit-identical logits
  EXPECT_EQ(back.predict(x, 2), model.predict(x, 2));
}

TEST(ModelFile, MlpRoundTripPredictsBitIdentically) {
  nn::Model mlp = nn::zoo::build("mlp", nn::Shape{1, 28, 28}, 10, 3);
  randomize(mlp, 11);
  expect_round_trip(mlp, "/baselines/run/model");
}

TEST(ModelFile, ConvBatchNormRoundTripPredictsBitIdentically) {
  // GoogLeNet: conv layers without bias, each followed by BatchNorm with running statistics
  // (buffers, not parameters), inception concatenations; a small input keeps it quick.
  nn::Model g = nn::zoo::build("googlenet", nn::Shape{3, 64, 64}, 10, 3);
  randomize(g, 12);
  expect_round_trip(g, "/model");
}

TEST(ModelFile, ShapeMismatchNamesFileGroupTensorAndShapes) {
  testing::TempDir dir;
  const auto path = dir / "bad.h5";
  par::Communicator single;
  {
    // Tensors of a 100-input MLP under metadata that claims 784 inputs.
    auto out = io::ResultFile::create(single, path, false, info());
    io::write_model(out, "/m", nn::zoo::build("mlp", nn::Shape{100, 1, 1}, 10, 1));
    const std::vector<double> claimed{784, 1, 1};
    out.set_attr("/m", "input_shape", std::span<const double>(claimed));
    out.commit();
  }
  io::ResultReader in(path);
  try {
    (void)io::read_model(in, "/m");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": model group '/m': import_state: tensor 'fc1/weights' has shape [512, 100], "
                              "model expects [512, 784]");
  }
  try {
    (void)io::read_model(in, "/absent");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": model group '/absent': not found");
  }
}

}  // namespace
}  // namespace rapidnn
