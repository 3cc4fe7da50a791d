// The accelerator driver under mpiexec (2, 3 and 4 ranks): every configuration row in the result
// file equals the single-rank library computation (rows are gathered in configuration order),
// and Δe is joined from a composer file in the /composer/<model>/sweep layout (by name or by
// the run's paper_dataset attribute).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "accel/baselines.hpp"
#include "accel/cost_model.hpp"
#include "accel/shape_zoo.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "experiment.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"

using namespace rapidnn;

namespace {
std::filesystem::path shared_dir(const par::Communicator& comm) {
  std::string dir;
  if (comm.is_root()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rapidnn-accel-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  comm.bcast(dir);
  return dir;
}

// 2 models x 2 w x 2 u x 2 chips = 16 grid rows + 3 sharing rows: 19 rows, uneven over 2 or 3 ranks.
constexpr const char* kConfig = R"(
experiment = "accelerator"
seed = 3
[accelerator]
models = ["mnist_mlp", "alexnet"]
w = [4, 64]
u = [16, 64]
q = [64]
chips = [1, 8]
sharing = [0.0, 0.1, 0.3]
sharing_models = ["alexnet"]
sharing_codebooks = [64]
composer_results = "composer.h5"
cpu_models = []
)";
}  // namespace

TEST(AcceleratorMpi, RowsEqualSingleRankComputationAndJoinDeltaE) {
  auto comm = par::Communicator::world();
  const auto dir = shared_dir(comm);
  {  // A composer result with Δe for mnist_mlp only (alexnet stays NaN).
    auto rf = io::ResultFile::create(comm, dir / "composer.h5", false, {"composer", "", "c.toml", 1});
    rf.create_group("/composer/mnist_mlp/sweep");
    rf.write("/composer/mnist_mlp/sweep/w", std::vector<double>{4, 64, 64});
    rf.write("/composer/mnist_mlp/sweep/u", std::vector<double>{16, 16, 64});
    rf.write("/composer/mnist_mlp/sweep/q", std::vector<double>{64, 64, 64});
    rf.write("/composer/mnist_mlp/sweep/delta_e", std::vector<double>{0.031, 0.002, 0.0});
    // A run named differently, joined through its paper_dataset attribute (Table 2 row).
    rf.create_group("/composer/imagenet_alexnet/sweep");
    rf.set_attr("/composer/imagenet_alexnet", "paper_dataset", "AlexNet");
    rf.write("/composer/imagenet_alexnet/sweep/w", std::vector<double>{64});
    rf.write("/composer/imagenet_alexnet/sweep/u", std::vector<double>{64});
    rf.write("/composer/imagenet_alexnet/sweep/delta_e", std::vector<double>{0.001});
    rf.commit();
  }
  ConfigDocument doc = ConfigDocument::parse(kConfig, "test.toml");
  auto root = doc.root();
  root.require_string("experiment");
  root.get_int("seed", 1, 0, 1 << 30);
  auto exp = experiments::find_experiment("accelerator", "test.toml").make();
  exp->configure(root, dir);
  doc.check_unknown_keys();
  {
    auto rf = io::ResultFile::create(comm, dir / "accel.h5", false, {"accelerator", doc.effective_text(), "test.toml", 3});
    experiments::RunContext ctx{comm, rf, 3, dir};
    exp->run(ctx);
    rf.commit();
  }
  comm.barrier();
  io::ResultReader r(dir / "accel.h5");
  const std::string c = "/accelerator/configs/";
  const auto model = r.read<double>(c + "model_index");
  const auto study = r.read<double>(c + "study");
  const auto w = r.read<double>(c + "w"), u = r.read<double>(c + "u"), q = r.read<double>(c + "q");
  const auto sharing = r.read<double>(c + "sharing"), chips = r.read<double>(c + "chips");
  const auto energy = r.read<double>(c + "energy_j"), thr = r.read<double>(c + "throughput_per_s");
  const auto area = r.read<double>(c + "used_area_mm2"), speedup = r.read<double>(c + "speedup_vs_gpu");
  const auto delta_e = r.read<double>(c + "delta_e"), delta_e_q = r.read<double>(c + "delta_e_q");
  const auto chips_used = r.read<double>(c + "chips_used"), inter_chip = r.read<double>(c + "inter_chip_bits");
  ASSERT_EQ(model.size(), 19u);
  const std::vector<std::string> names = {"mnist_mlp", "alexnet"};
  const accel::HardwareParams hw;
  std::size_t sharing_rows = 0;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto net = accel::zoo_shape(names[static_cast<std::size_t>(model[i])]);
    const accel::CodebookSizes cb{static_cast<std::int64_t>(w[i]), static_cast<std::int64_t>(u[i]),
                                  static_cast<std::int64_t>(q[i])};
    const auto expect = accel::evaluate(net, cb, {sharing[i], static_cast<std::int64_t>(chips[i])}, hw);
    EXPECT_EQ(energy[i], expect.energy_j) << i;
    EXPECT_EQ(thr[i], expect.throughput_per_s) << i;
    EXPECT_EQ(area[i], expect.used_area_mm2) << i;
    EXPECT_EQ(chips_used[i], static_cast<double>(expect.chips_used)) << i;
    EXPECT_EQ(inter_chip[i], expect.inter_chip_bits) << i;
    EXPECT_EQ(speedup[i], accel::gpu_cost(net, {}).time_s * expect.throughput_per_s) << i;
    sharing_rows += study[i] == 1;
    // Δe joined for mnist_mlp at (4, 16), (64, 16), (64, 64), alexnet at (64, 64) any q; NaN elsewhere.
    double want = std::nan("");
    if (model[i] == 0 && study[i] == 0) {
      if (w[i] == 4 && u[i] == 16) want = 0.031;
      if (w[i] == 64 && u[i] == 16) want = 0.002;
      if (w[i] == 64 && u[i] == 64) want = 0.0;
    }
    if (model[i] == 1 && study[i] == 0 && w[i] == 64 && u[i] == 64) want = 0.001;
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(delta_e[i])) << i;
      EXPECT_TRUE(std::isnan(delta_e_q[i])) << i;
    } else {
      EXPECT_EQ(delta_e[i], want) << i;
      // mnist_mlp has q = 64 points; the alexnet run has no q column: its Δe counts as q = 0.
      EXPECT_EQ(delta_e_q[i], model[i] == 0 ? 64.0 : 0.0) << i;
    }
  }
  EXPECT_EQ(sharing_rows, 3u);
  EXPECT_NE(r.attr_string("/accelerator", "delta_e_source").find("found for [mnist_mlp, alexnet <- imagenet_alexnet]; absent for []"),
            std::string::npos);
  EXPECT_NEAR(r.attr_double("/accelerator/totals_table1", "chip_area_mm2"), 124.1, 0.05);
  comm.barrier();
  if (comm.is_root()) std::filesystem::remove_all(dir);
}

namespace {
std::string configure_error(const std::string& text) {
  try {
    ConfigDocument doc = ConfigDocument::parse(text, "bad.toml");
    auto root = doc.root();
    root.require_string("experiment");
    auto exp = experiments::find_experiment("accelerator", "bad.toml").make();
    exp->configure(root, ".");
    doc.check_unknown_keys();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(AcceleratorConfig, ErrorsNameKeyAndValue) {
  EXPECT_EQ(configure_error("experiment = \"accelerator\"\n[accelerator]\nmodels = [\"lenet\"]\n"),
            "bad.toml:3:10: key 'accelerator.models': unknown model \"lenet\"; known: mnist_mlp, isolet_mlp, "
            "har_mlp, cifar10_cnn, cifar100_cnn, alexnet, vgg16, googlenet, resnet152");
  EXPECT_EQ(configure_error("experiment = \"accelerator\"\n[accelerator]\nsharing_codebooks = [64]\n"),
            "bad.toml:3:21: key 'accelerator.sharing_codebooks': needs one codebook size per sharing model "
            "(1 given, 4 models)");
  EXPECT_EQ(configure_error("experiment = \"accelerator\"\n[accelerator.hardware]\ncrossbar_power_w = 5e3\n"),
            "bad.toml:3:20: key 'accelerator.hardware.crossbar_power_w': expected a number in [0, 1000], got 5000");
  EXPECT_EQ(configure_error("experiment = \"accelerator\"\n[accelerator.gpu]\npeak_flops = 0.0\n"),
            "bad.toml:3:14: key 'accelerator.gpu.peak_flops': expected a number in [1000000, 1e+18], got 0");
}
