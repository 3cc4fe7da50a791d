// The ndcam_variation driver under mpiexec (2 and 4 ranks): the statistics written to the result
// file must be bit-identical to the single-rank computation (every trial keyed by
// (seed, workload, trial), integer counters summed by one allreduce).
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.hpp"
#include "core/error.hpp"
#include "experiment.hpp"
#include "io/result_file.hpp"
#include "io/result_reader.hpp"
#include "ndcam/monte_carlo.hpp"

using namespace rapidnn;

namespace {
std::filesystem::path shared_path(const par::Communicator& comm, const std::string& name) {
  std::string dir;
  if (comm.is_root()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rapidnn-ndcam-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
  }
  comm.bcast(dir);
  return std::filesystem::path(dir) / name;
}

// 3 workloads (uniform 16 and 40 rows, max pooling over 12) x 2 sigmas x 2 stage widths;
// 101 trials do not divide evenly over 2 or 4 ranks.
constexpr const char* kConfig = R"(
experiment = "ndcam_variation"
seed = 99
[ndcam_variation]
trials = 101
bits_per_stage = [4, 8]
sigma = [0.0, 0.1]
rows = [16, 40]
distributions = ["uniform"]
max_pool_rows = [12]
sense_resolution_s = [1e-12]
)";
}  // namespace

TEST(NdcamVariationMpi, StatisticsEqualSingleRankComputation) {
  auto comm = par::Communicator::world();
  ASSERT_GT(comm.size(), 1);
  const auto path = shared_path(comm, "ndcam.h5");
  ConfigDocument doc = ConfigDocument::parse(kConfig, "test.toml");
  auto root = doc.root();
  root.require_string("experiment");
  root.get_int("seed", 1, 0, 1 << 30);
  auto exp = experiments::find_experiment("ndcam_variation", "test.toml").make();
  exp->configure(root, ".");
  doc.check_unknown_keys();
  {
    auto rf = io::ResultFile::create(comm, path, false, {"ndcam_variation", doc.effective_text(), "test.toml", 99});
    experiments::RunContext ctx{comm, rf, 99, "."};
    exp->run(ctx);
    rf.commit();
  }
  comm.barrier();
  io::ResultReader r(path);
  const auto counters = r.read<std::uint64_t>("/ndcam_variation/points/counters");
  const auto maxes = r.read<std::uint64_t>("/ndcam_variation/points/max_counters");
  const auto bits = r.read<std::int64_t>("/ndcam_variation/points/bits_per_stage");
  const auto sigma = r.read<double>("/ndcam_variation/points/sigma");
  const auto rows = r.read<std::int64_t>("/ndcam_variation/points/rows");
  const auto workload = r.read<std::int64_t>("/ndcam_variation/points/workload");
  ASSERT_EQ(bits.size(), 12u);
  const std::size_t k = ndcam::TrialStats().additive_counters().size();
  ASSERT_EQ(counters.size(), 12 * k);
  for (std::size_t p = 0; p < bits.size(); ++p) {
    ndcam::TrialSpec spec;
    spec.workload.rows = static_cast<int>(rows[p]);
    spec.workload.max_query = workload[p] == 2;
    spec.params.sigma_w = spec.params.sigma_vth = sigma[p];
    spec.params.sense_resolution_s = 1e-12;
    spec.bits_per_stage = static_cast<int>(bits[p]);
    spec.seed = 99;
    spec.stream = static_cast<std::uint32_t>(workload[p]);
    const ndcam::TrialStats single = ndcam::TrialRunner(spec).run_range(0, 101);
    const auto expect = single.additive_counters();
    for (std::size_t j = 0; j < k; ++j) ASSERT_EQ(counters[p * k + j], expect[j]) << "point " << p << " counter " << j;
    const auto m = single.max_counters();
    for (std::size_t j = 0; j < 4; ++j) ASSERT_EQ(maxes[p * 4 + j], m[j]) << "point " << p;
  }
  EXPECT_EQ(r.attr_int("/ndcam_variation", "ranks"), comm.size());
  comm.barrier();
  if (comm.is_root()) std::filesystem::remove_all(path.parent_path());
}

TEST(NdcamVariationConfig, RejectsStagesWiderThanValues) {
  ConfigDocument doc = ConfigDocument::parse(
      "experiment = \"ndcam_variation\"\n[ndcam_variation]\nvalue_bits = 16\nbits_per_stage = [8, 20]\n", "bad.toml");
  auto root = doc.root();
  auto exp = experiments::find_experiment("ndcam_variation", "bad.toml").make();
  try {
    exp->configure(root, ".");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.toml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ndcam_variation.bits_per_stage"), std::string::npos) << msg;
    EXPECT_NE(msg.find("20 bits per stage exceed value_bits = 16"), std::string::npos) << msg;
  }
}

TEST(NdcamVariationConfig, RejectsUnknownDistribution) {
  ConfigDocument doc = ConfigDocument::parse(
      "experiment = \"ndcam_variation\"\n[ndcam_variation]\ndistributions = [\"normal\"]\n", "bad.toml");
  auto root = doc.root();
  auto exp = experiments::find_experiment("ndcam_variation", "bad.toml").make();
  try {
    exp->configure(root, ".");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown value distribution 'normal' (allowed: uniform, gaussian, codebook)"),
              std::string::npos)
        << e.what();
  }
}
