// The composer sweep under mpiexec (2 and 4 ranks): clustering problems and sweep points are
// spread over the ranks, yet every dataset of the result (delta_e, codebooks, codes, tables,
// the composed model) is bit-identical to a single-rank run of the same configuration. Only
// wall-clock times ("seconds") may differ.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "core/config.hpp"
#include "experiment.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"

using namespace rapidnn;

namespace {

// A few-second configuration: inline baselines, a 2 x 2 grid, one retraining iteration at every
// point (epsilon = -1 is never reached). The MLP (600 training / 200 test images) adds one
// activation-table point; the CNN (tiny subset) exercises per-output-channel conv codebooks,
// spread over the ranks as separate clustering problems.
const char* kConfig = R"(
experiment = "composer"
seed = 5
[composer]
codebook = "tree"
w = [4, 16]
u = [4, 16]
q = [16]
q_at = [16, 16]
final = [16, 4, 0]
input_sample_fraction = 0.05
retrain_epochs = 1
max_iterations = 1
epsilon = -1.0
retrain_learning_rate = 0.01
[[composer.models]]
name = "mlp"
topology = "mlp"
dataset = "fashion-mnist"
train_limit = 600
test_limit = 200
epochs = 1
learning_rate = 0.05
[[composer.models]]
name = "cnn"
topology = "cifar_cnn"
dataset = "fashion-mnist"
train_limit = 100
test_limit = 40
epochs = 1
batch_size = 32
learning_rate = 0.02
q = []
)";

void run_config(const par::Communicator& comm, const std::filesystem::path& out) {
  auto doc = ConfigDocument::parse(kConfig, "inline");
  auto root = doc.root();
  root.require_string("experiment");
  const auto seed = static_cast<std::uint64_t>(root.get_int("seed", 1, 0, 1 << 30));
  auto exp = experiments::find_experiment("composer", "inline").make();
  exp->configure(root, std::filesystem::current_path());
  doc.check_unknown_keys();
  auto file = io::ResultFile::create(comm, out, true, {"composer", doc.effective_text(), "inline", seed});
  experiments::RunContext ctx{comm, file, seed, std::filesystem::current_path()};
  exp->run(ctx);
  file.commit();
}

void collect(const io::ResultReader& r, const std::string& group, std::vector<std::string>& datasets) {
  for (const auto& name : r.list(group)) {
    const std::string path = group + "/" + name;
    try {
      r.list(path);
      collect(r, path, datasets);
    } catch (const std::exception&) {
      datasets.push_back(path);
    }
  }
}

}  // namespace

TEST(ComposerMpi, SweepIsIdenticalToOneRank) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "Fashion-MNIST not installed";
  auto world = par::Communicator::world();
  std::string dir;
  if (world.is_root()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rapidnn-composer-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  world.bcast(dir);
  const std::filesystem::path many = std::filesystem::path(dir) / "many.h5", one = std::filesystem::path(dir) / "one.h5";
  run_config(world, many);
  if (world.is_root()) run_config(par::Communicator(), one);
  world.barrier();
  int mismatches = 0, compared = 0;
  if (world.is_root()) {
    io::ResultReader a(many), b(one);
    std::vector<std::string> da, db;
    collect(a, "/composer", da);
    collect(b, "/composer", db);
    EXPECT_EQ(da, db);
    for (const auto& path : da) {
      if (path.find("seconds") != std::string::npos) continue;
      ++compared;
      const auto va = a.read<double>(path), vb = b.read<double>(path);
      if (va.size() != vb.size() ||
          std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) != 0) {  // bitwise (NaN padding too)
        ADD_FAILURE() << path << " differs between " << world.size() << " ranks and 1 rank";
        ++mismatches;
      }
    }
    EXPECT_GT(compared, 20);
    for (const char* key : {"/composer/mlp/sweep/delta_e", "/composer/mlp/sweep/w", "/composer/mlp/retrain/delta_e",
                            "/composer/mlp/composed/stage_0/weight_codes", "/composer/mlp/layers",
                            "/composer/cnn/sweep/delta_e", "/composer/cnn/composed/stage_0/weight_codes"})
      EXPECT_TRUE(a.exists(key)) << key;
    EXPECT_EQ(a.read<double>("/composer/mlp/sweep/w").size(), 5u);  // 2 x 2 grid + 1 table point
    EXPECT_EQ(a.read<double>("/composer/cnn/sweep/w").size(), 4u);  // 2 x 2 grid, no table point
    // Conv codebooks are per output channel: [channels, k] centroids and [channels] WCSS of
    // the first conv layer (32 channels in cifar_cnn), compared bit for bit above.
    bool per_channel = false;
    for (const auto& layer : a.list("/composer/cnn/layers")) {
      const std::string p = "/composer/cnn/layers/" + layer + "/weight_codebook/size_16/centroids";
      if (a.exists(p) && a.dims(p) == std::vector<std::uint64_t>{32, 16}) per_channel = true;
    }
    EXPECT_TRUE(per_channel);
    std::filesystem::remove_all(dir);
  }
  world.bcast(std::span<int>(&mismatches, 1));
  EXPECT_EQ(mismatches, 0);
}
