// Experiment `ndcam_variation` (paper Sec. 4.2.2): Monte Carlo study of the nearest-distance CAM
// under process variation. The paper's claim: with 10% variation (5000 HSPICE Monte Carlo runs)
// match lines of 8 bits are reliably distinguishable, hence 32-bit values in 4 stages.
// Sweep: workloads (value distribution x rows, explicit codebooks or those of a composed model) x sense resolution x
// sigma x bits per stage, `trials` searches per point. Trials are split over ranks in blocks;
// every trial is keyed by (seed, workload, trial index) and the statistics are integers summed
// with one allreduce, so the file is bit-identical for any rank count.
#include <chrono>
#include <cstdio>

#include "common/ndcam_circuit_config.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "experiment.hpp"
#include "ndcam/calibration.hpp"
#include "io/result_reader.hpp"
#include "ndcam/monte_carlo.hpp"
#include "ndcam/search_error.hpp"
#include "par/partition.hpp"

namespace rapidnn::experiments {

namespace {

struct Workload {
  std::string name;
  ndcam::WorkloadSpec spec;
  std::filesystem::path composer_file;  ///< codebook from a composed model (read in run())
  std::string composer_model;
  int composer_stage = 0;
};

struct Point {
  std::size_t workload = 0;
  double resolution_s = 0.0;
  double sigma = 0.0;
  int bits_per_stage = 8;
};

class NdcamVariation final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("ndcam_variation");
    trials_ = static_cast<std::uint64_t>(t.get_int("trials", 5000, 1, std::int64_t{1} << 32));
    value_bits_ = static_cast<int>(t.get_int("value_bits", 32, 1, 32));
    const auto bits = t.get_int_list("bits_per_stage", {4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 32);
    const auto sigmas = t.get_double_list("sigma", {0.0, 0.025, 0.05, 0.075, 0.10, 0.15, 0.20}, 0.0, 0.5);
    const auto rows = t.get_int_list("rows", {16, 64, 256, 1024}, 1, 1 << 20);
    const auto dists = t.get_string_list("distributions", {"uniform", "gaussian"});
    const auto res = t.get_double_list("sense_resolution_s", {0.0, 1e-12}, 0.0, 1e-9);
    hamming_ = t.get_bool("hamming_baseline", true);
    for (auto b : bits)
      if (b > value_bits_)
        t.fail("bits_per_stage", fmt::format("{} bits per stage exceed value_bits = {}", b, value_bits_));

    // Circuit constants: defaults are the calibrated ones (ndcam/circuit_params.hpp).
    circuit_ = parse_ndcam_circuit(t);

    for (const auto& name : dists) {
      ndcam::ValueDistribution dist;
      try {
        dist = ndcam::parse_value_distribution(name);
      } catch (const InvalidArgument& e) {
        t.fail("distributions", e.what());
      }
      if (dist == ndcam::ValueDistribution::kCodebook)
        t.fail("distributions", "codebooks are given as [[ndcam_variation.codebooks]] tables");
      for (auto r : rows) {
        Workload w;
        w.name = fmt::format("{}_r{}", name, r);
        w.spec.distribution = dist;
        w.spec.rows = static_cast<int>(r);
        w.spec.value_bits = value_bits_;
        workloads_.push_back(std::move(w));
      }
    }
    // The paper's quantified case: max pooling over `rows` uniform values (query = all ones).
    for (auto r : t.get_int_list("max_pool_rows", {16}, 1, 1 << 20)) {
      Workload w;
      w.name = fmt::format("maxpool_r{}", r);
      w.spec.distribution = ndcam::ValueDistribution::kUniform;
      w.spec.rows = static_cast<int>(r);
      w.spec.value_bits = value_bits_;
      w.spec.max_query = true;
      workloads_.push_back(std::move(w));
    }
    // Explicit tables: `values` (fixed point), or the input codebook of compute stage `stage` of
    // a composed model in a composer result file (`composer_file`, `model`): the activation
    // codebook that the previous layer's encoding lookup searches, stored as value_bits fixed
    // point (ndcam::to_fixed_point, min -> 0, max -> 2^value_bits - 1). The file is read in run().
    for (auto& cb : t.table_array("codebooks")) {
      Workload w;
      w.name = "codebook_" + cb.require_string("name");
      const std::int64_t max_value = (std::int64_t{1} << value_bits_) - 1;
      const std::string file = cb.get_string("composer_file", "");
      const auto values = cb.get_int_list("values", {}, 0, max_value);
      if (file.empty()) {
        for (auto v : values) w.spec.codebook.push_back(static_cast<std::uint32_t>(v));
        if (w.spec.codebook.size() < 2) cb.fail("values", "a codebook needs at least 2 values");
      } else {
        if (!values.empty()) cb.fail("values", "give either values or composer_file, not both");
        w.composer_file = resolve_path(config_dir, file);
        w.composer_model = cb.require_string("model");
        w.composer_stage = static_cast<int>(cb.get_int("stage", 0, 0, 1 << 16));
      }
      w.spec.distribution = ndcam::ValueDistribution::kCodebook;
      w.spec.rows = static_cast<int>(w.spec.codebook.size());
      w.spec.value_bits = value_bits_;
      workloads_.push_back(std::move(w));
    }
    if (workloads_.empty()) t.fail("distributions", "no workload: give distributions and rows or codebooks");

    for (std::size_t w = 0; w < workloads_.size(); ++w)
      for (double r : res)
        for (double s : sigmas)
          for (auto b : bits) points_.push_back(Point{w, r, s, static_cast<int>(b)});
  }

  void run(RunContext& ctx) override {
    const auto& comm = ctx.comm;
    load_composed_codebooks();
    const par::Range mine = par::block_range(trials_, comm.size(), comm.rank());
    Progress progress("ndcam trials (rank 0)", mine.size() * points_.size(), comm.is_root());
    std::vector<ndcam::TrialStats> stats;
    const auto t0 = std::chrono::steady_clock::now();
    for (const Point& p : points_) {
      ndcam::TrialRunner runner(spec_of(p, ctx.seed));
      stats.push_back(runner.run_range(mine.begin, mine.end));
      progress.advance(mine.size());
    }
    progress.finish();
    const double local_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // One integer allreduce for every point: exact, so independent of the rank count.
    const std::size_t k = ndcam::TrialStats().additive_counters().size();
    std::vector<std::uint64_t> sums, maxes;
    for (const auto& s : stats) {
      const auto a = s.additive_counters();
      sums.insert(sums.end(), a.begin(), a.end());
      const auto m = s.max_counters();
      maxes.insert(maxes.end(), m.begin(), m.end());
    }
    comm.allreduce_sum(std::span<std::uint64_t>(sums));
    comm.allreduce_max(std::span<std::uint64_t>(maxes));
    for (std::size_t i = 0; i < stats.size(); ++i) {
      stats[i].set_additive_counters(std::vector<std::uint64_t>(sums.begin() + static_cast<std::ptrdiff_t>(i * k),
                                                                sums.begin() + static_cast<std::ptrdiff_t>((i + 1) * k)));
      std::array<std::uint64_t, 4> m{};
      for (std::size_t j = 0; j < 4; ++j) m[j] = maxes[i * 4 + j];
      stats[i].set_max_counters(m);
    }
    stats_ = std::move(stats);
    wall_s_ = comm.max(local_s);
    write(ctx, sums, maxes, k);
  }

  std::string report() const override {
    std::string s = fmt::format("NDCAM Monte Carlo, {} trials per point; rates at 8 bits per stage\n", trials_);
    s += fmt::format("{:<16} {:>7} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n", "workload", "res ps",
                     "sigma", "correct", "nominal", "min-XOR", "=nominal", "Hamming", "lat ns", "E fJ");
    for (std::size_t i = 0; i < points_.size(); ++i) {
      const auto& p = points_[i];
      const auto& st = stats_[i];
      if (p.bits_per_stage != 8) continue;
      s += fmt::format("{:<16} {:>7.2f} {:>6.3f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f} {:>9.3f} {:>9.1f}\n",
                       workloads_[p.workload].name, p.resolution_s * 1e12, p.sigma, st.rate(st.correct),
                       st.rate(st.ideal_correct), st.rate(st.min_xor_correct), st.rate(st.agrees_with_ideal),
                       st.rate(st.hamming_correct), st.mean_latency_s() * 1e9, st.mean_energy_j() * 1e15);
    }
    s += fmt::format("calibration (4x4 max pool, sigma 0): {:.3f} ns, {:.1f} fJ (paper: 0.5 ns, 920 fJ)\n",
                     calibration_.latency_s * 1e9, calibration_.energy_j * 1e15);
    s += fmt::format("wall time {:.2f} s for {} trials ({:.0f} trials/s in all)\n", wall_s_,
                     trials_ * points_.size(), static_cast<double>(trials_ * points_.size()) / wall_s_);
    return s;
  }

 private:
  // Every rank reads the same file: an error is the same on every rank.
  void load_composed_codebooks() {
    for (auto& w : workloads_) {
      if (w.composer_file.empty()) continue;
      io::ResultReader in(w.composer_file);
      const std::string path =
          fmt::format("/composer/{}/composed/stage_{}/input_centroids", w.composer_model, w.composer_stage);
      RAPIDNN_THROW_IF_NOT(in.exists(path), IoError, "{}: no composed codebook {} (codebook '{}')",
                           w.composer_file.string(), path, w.name);
      const auto centroids = in.read<float>(path);
      w.spec.codebook = ndcam::to_fixed_point(centroids, value_bits_);
      w.spec.rows = static_cast<int>(w.spec.codebook.size());
    }
  }

  ndcam::TrialSpec spec_of(const Point& p, std::uint64_t seed) const {
    ndcam::TrialSpec s;
    s.workload = workloads_[p.workload].spec;
    s.params = circuit_;
    s.params.sigma_w = p.sigma;
    s.params.sigma_vth = p.sigma;
    s.params.sense_resolution_s = p.resolution_s;
    s.bits_per_stage = p.bits_per_stage;
    s.seed = seed;
    s.stream = static_cast<std::uint32_t>(p.workload);  // common random numbers across sigma/bits
    s.hamming_baseline = hamming_;
    return s;
  }

  void write(RunContext& ctx, const std::vector<std::uint64_t>& sums,
             const std::vector<std::uint64_t>& maxes, std::size_t k) {
    auto& out = ctx.out;
    const std::string g = "/ndcam_variation";
    const std::uint64_t n = points_.size();
    out.create_group(g);
    out.set_attr(g, "trials_per_point", static_cast<std::int64_t>(trials_));
    out.set_attr(g, "value_bits", value_bits_);
    out.set_attr(g, "wall_s", wall_s_);
    out.set_attr(g, "trials_per_s", static_cast<double>(trials_ * n) / wall_s_);
    out.set_attr(g, "ranks", ctx.comm.size());
    out.set_attr(g, "variation_scaling", circuit_.pelgrom_area_scaling ? "pelgrom" : "uniform");
    std::vector<std::string> names;
    for (const auto& w : workloads_) names.push_back(w.name);
    out.set_attr(g, "workload_names", names);
    std::vector<std::int64_t> wl, rows, bits, dist;
    std::vector<double> sigma, res;
    for (const auto& p : points_) {
      wl.push_back(static_cast<std::int64_t>(p.workload));
      rows.push_back(workloads_[p.workload].spec.rows);
      dist.push_back(static_cast<std::int64_t>(workloads_[p.workload].spec.distribution));
      bits.push_back(p.bits_per_stage);
      sigma.push_back(p.sigma);
      res.push_back(p.resolution_s);
    }
    out.set_attr(g, "distribution_codes", std::vector<std::string>{"0=uniform", "1=gaussian", "2=codebook"});
    const std::string pg = g + "/points";
    out.create_group(pg);
    out.write(pg + "/workload", wl);
    out.write(pg + "/distribution", dist);
    out.write(pg + "/rows", rows);
    out.write(pg + "/bits_per_stage", bits);
    out.write(pg + "/sigma", sigma);
    out.write(pg + "/sense_resolution_s", res);
    out.set_attr(pg + "/sigma", "meaning", "relative std. deviation of every transistor's W and Vth");

    auto column = [&](const std::string& name, auto f) {
      std::vector<double> v;
      for (const auto& st : stats_) v.push_back(f(st));
      out.write(pg + "/" + name, v);
    };
    auto count = [&](const std::string& name, auto f) {
      std::vector<std::uint64_t> v;
      for (const auto& st : stats_) v.push_back(f(st));
      out.write(pg + "/" + name, v);
    };
    using S = ndcam::TrialStats;
    count("trials", [](const S& s) { return s.trials; });
    count("correct", [](const S& s) { return s.correct; });
    count("nominal_correct", [](const S& s) { return s.ideal_correct; });
    count("min_xor_correct", [](const S& s) { return s.min_xor_correct; });
    count("agrees_with_nominal", [](const S& s) { return s.agrees_with_ideal; });
    count("hamming_correct", [](const S& s) { return s.hamming_correct; });
    count("variation_errors", [](const S& s) { return s.variation_errors; });
    count("variation_fixes", [](const S& s) { return s.variation_fixes; });
    count("timed_out_stages", [](const S& s) { return s.timed_out_stages; });
    count("with_margin", [](const S& s) { return s.with_margin; });
    column("correct_rate", [](const S& s) { return s.rate(s.correct); });
    column("nominal_correct_rate", [](const S& s) { return s.rate(s.ideal_correct); });
    column("min_xor_correct_rate", [](const S& s) { return s.rate(s.min_xor_correct); });
    column("agrees_with_nominal_rate", [](const S& s) { return s.rate(s.agrees_with_ideal); });
    column("hamming_correct_rate", [](const S& s) { return s.rate(s.hamming_correct); });
    column("mean_excess_lsb", [](const S& s) { return s.trials ? static_cast<double>(s.sum_excess_lsb) / s.trials : 0.0; });
    column("mean_latency_s", [](const S& s) { return s.mean_latency_s(); });
    column("min_latency_s", [](const S& s) { return s.min_latency_fs * 1e-15; });
    column("max_latency_s", [](const S& s) { return s.max_latency_fs * 1e-15; });
    column("mean_energy_j", [](const S& s) { return s.mean_energy_j(); });
    column("min_energy_j", [](const S& s) { return s.min_energy_aj * 1e-18; });
    column("max_energy_j", [](const S& s) { return s.max_energy_aj * 1e-18; });
    auto hist = [&](const std::string& name, const std::vector<std::uint64_t> S::*h, std::uint64_t bins) {
      std::vector<std::uint64_t> v;
      for (const auto& st : stats_) v.insert(v.end(), (st.*h).begin(), (st.*h).end());
      out.write(pg + "/" + name, v, {n, bins});
    };
    hist("error_hist", &S::error_hist, S::kErrorBins);
    hist("nominal_error_hist", &S::ideal_error_hist, S::kErrorBins);
    hist("rank_offset_hist", &S::rank_offset_hist, S::kRankOffsetBins);
    hist("margin_rel_hist", &S::margin_rel_hist, S::kMarginBins);
    hist("margin_ps_hist", &S::margin_ps_hist, S::kMarginBins);
    out.set_attr(pg + "/error_hist", "bins",
                 "bin 0: exact; bin b: excess distance |returned-query|-|nearest-query| in [2^(b-1), 2^b) LSB");
    out.set_attr(pg + "/rank_offset_hist", "bins",
                 fmt::format("offset -{0}..{0} (table positions), then below -{0}, above {0}", S::kRankOffsetMax));
    out.write(g + "/margin_bin_edges", S::margin_bin_edges());
    out.set_attr(g + "/margin_bin_edges", "meaning",
                 "edges of margin_rel_hist (relative) and margin_ps_hist (picoseconds)");
    // Raw integer counters (TrialStats::additive_counters / max_counters order) for exact checks.
    out.write(pg + "/counters", sums, {n, k});
    out.write(pg + "/max_counters", maxes, {n, 4});

    // Calibration: the configured circuit on the paper's 4x4 max-pool case, nominal.
    calibration_ = ndcam::max_pool_cost(circuit_, ndcam::CalibrationTarget{});
    const std::string cg = g + "/calibration";
    out.create_group(cg);
    const ndcam::CalibrationTarget target;
    out.set_attr(cg, "paper_latency_s", target.latency_s);
    out.set_attr(cg, "paper_energy_j", target.energy_j);
    out.set_attr(cg, "model_latency_s", calibration_.latency_s);
    out.set_attr(cg, "model_energy_j", calibration_.energy_j);
    out.set_attr(cg, "mean_discharged_lines", calibration_.discharged_lines);
    out.set_attr(cg, "k_a_per_valpha", circuit_.k_a_per_valpha);
    out.set_attr(cg, "c_ml_per_unit_width_f", circuit_.c_ml_per_unit_width_f);
    out.set_attr(cg, "c_ml_fixed_f", circuit_.c_ml_fixed_f);
    out.set_attr(cg, "unit_cell_current_a", circuit_.unit_current_a());
    out.set_attr(cg, "c_ml_8bit_f", circuit_.c_ml_fixed_f + 255.0 * circuit_.c_ml_per_unit_width_f);
    out.set_attr(cg, "workload", "16 rows of uniform 32-bit values, query 2^32-1, 4 stages of 8 bits, sigma 0, "
                                 "mean over 20000 searches");
  }

  std::uint64_t trials_ = 5000;
  int value_bits_ = 32;
  bool hamming_ = true;
  ndcam::CircuitParams circuit_;
  std::vector<Workload> workloads_;
  std::vector<Point> points_;
  std::vector<ndcam::TrialStats> stats_;
  ndcam::MaxPoolCost calibration_;
  double wall_s_ = 0.0;
};

}  // namespace

ExperimentInfo ndcam_variation_experiment() {
  return {"ndcam_variation",
          "NDCAM Monte Carlo under process variation (Sec. 4.2.2): bits/stage x sigma x rows x distribution",
          "/ndcam_variation/points: per point correct rates, error/rank/margin histograms, energy, latency; calibration",
          [] { return std::unique_ptr<Experiment>(new NdcamVariation()); }};
}

}  // namespace rapidnn::experiments
