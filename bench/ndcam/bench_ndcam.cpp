// bench_ndcam: cost of one NDCAM Monte Carlo trial (trials per second per core) for several table
// sizes, the 1 -> 2 worker speed-up measured in the same run, and the planned wall time of a
// 10^6-trial study on N ranks.
// Workers are std::threads, each running TrialRunner::run_range on its block of trials
// (par::block_range) and merging integer TrialStats -- exactly the per-rank work of the
// ndcam_variation driver, without MPI (whose only traffic is one small allreduce per study).
// Also prints the calibration of the circuit constants against the paper's 4x4 max pooling.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "ndcam/calibration.hpp"
#include "ndcam/monte_carlo.hpp"
#include "par/partition.hpp"

using namespace rapidnn;
using namespace rapidnn::ndcam;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TrialSpec spec_for(int rows) {
  TrialSpec s;
  s.workload.rows = rows;
  s.workload.value_bits = 32;
  s.params.sigma_w = s.params.sigma_vth = 0.10;
  s.bits_per_stage = 8;
  s.seed = 1;
  return s;
}

/// Runs `trials` trials split over `workers` threads; returns wall seconds and the merged stats.
std::pair<double, TrialStats> run_workers(const TrialSpec& spec, std::uint64_t trials, int workers) {
  std::vector<TrialStats> part(static_cast<std::size_t>(workers));
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w)
    pool.emplace_back([&, w] {
      const par::Range r = par::block_range(trials, workers, w);
      part[static_cast<std::size_t>(w)] = TrialRunner(spec).run_range(r.begin, r.end);
    });
  for (auto& t : pool) t.join();
  const double s = seconds_since(t0);
  TrialStats all;
  for (const auto& p : part) all.merge(p);
  return {s, all};
}

}  // namespace

int main(int argc, char** argv) {
  const double budget_s = argc > 1 ? std::atof(argv[1]) : 1.0;  // seconds per measurement
  // The speed-up is only meaningful on an otherwise idle machine: print the load it ran under.
  double load1 = -1.0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load1) != 1) load1 = -1.0;
    std::fclose(f);
  }
  std::printf("bench_ndcam: %u hardware threads, 1-min load average %.2f at start\n\n",
              std::thread::hardware_concurrency(), load1);

  // --- calibration -------------------------------------------------------------------------
  {
    CalibrationTarget target;
    CircuitParams start;
    start.k_a_per_valpha = 1e-5;         // deliberately off: show the solve
    start.c_ml_per_unit_width_f = 0.1e-15;
    const auto t0 = std::chrono::steady_clock::now();
    const CalibrationResult cal = calibrate(start, target);
    const MaxPoolCost def = max_pool_cost(CircuitParams{}, target);
    std::printf("calibration on 4x4 max pooling (16 rows x 32 bit, 4 stages of 8 bits, sigma 0, %u searches):\n",
                target.trials);
    std::printf("  paper                : %.3f ns  %.1f fJ\n", target.latency_s * 1e9, target.energy_j * 1e15);
    std::printf("  solved (%d iter, %.2f s): k = %.4g A/V^alpha, c_unit = %.4g fF -> %.4f ns %.2f fJ\n",
                cal.iterations, seconds_since(t0), cal.params.k_a_per_valpha,
                cal.params.c_ml_per_unit_width_f * 1e15, cal.achieved.latency_s * 1e9, cal.achieved.energy_j * 1e15);
    const CircuitParams p;
    const double c8 = p.c_ml_fixed_f + 255 * p.c_ml_per_unit_width_f;
    std::printf("  defaults (rounded)   : k = %.4g, c_unit = %.4g fF -> %.4f ns %.2f fJ "
                "(%.2f discharged lines/search)\n",
                p.k_a_per_valpha, p.c_ml_per_unit_width_f * 1e15, def.latency_s * 1e9, def.energy_j * 1e15,
                def.discharged_lines);
    std::printf("  derived: LSB cell current %.3g uA, 8-bit match line %.2f fF, full-match discharge %.2f ps, "
                "one LSB step at full match %.3f ps\n\n",
                p.unit_current_a() * 1e6, c8 * 1e15, c8 * p.sense_swing_v() / (255 * p.unit_current_a()) * 1e12,
                c8 * p.sense_swing_v() / p.unit_current_a() * (1.0 / 254 - 1.0 / 255) * 1e12);
  }

  // --- cost per trial and 1 -> 2 worker speed-up ---------------------------------------------
  std::printf("%-6s %12s %14s %12s %12s %10s %12s\n", "rows", "trials", "trials/s/core", "us/trial",
              "2-worker t/s", "speed-up", "identical");
  struct Cost {
    int rows;
    double s_per_trial;
    double speedup;
  };
  std::vector<Cost> costs;
  for (int rows : {16, 64, 256, 1024}) {
    const TrialSpec spec = spec_for(rows);
    // Size the run to about budget_s on one worker.
    std::uint64_t trials = 64;
    for (;;) {
      const double s = run_workers(spec, trials, 1).first;
      if (s > 0.2 * budget_s || trials > (1u << 24)) {
        trials = static_cast<std::uint64_t>(static_cast<double>(trials) * budget_s / s) + 2;
        break;
      }
      trials *= 4;
    }
    const auto [s1, st1] = run_workers(spec, trials, 1);
    const auto [s2, st2] = run_workers(spec, trials, 2);
    const double per_trial = s1 / static_cast<double>(trials);
    costs.push_back({rows, per_trial, s1 / s2});
    std::printf("%-6d %12llu %14.0f %12.2f %12.0f %10.2f %12s\n", rows, static_cast<unsigned long long>(trials),
                1.0 / per_trial, per_trial * 1e6, static_cast<double>(trials) / s2, s1 / s2,
                st1 == st2 ? "yes" : "NO");
    if (!(st1 == st2)) return 1;
  }

  // --- planning ----------------------------------------------------------------------------
  // Trials are independent and the driver communicates once per study (one allreduce of ~300
  // integers per point), so the plan scales the single-core cost by 1/N; the measured 2-worker
  // efficiency of this run is printed beside it (on a loaded machine it is below 1: divide by it).
  double eff_sum = 0.0;
  for (const auto& c : costs) eff_sum += c.speedup / 2.0;
  std::printf("\nmeasured 2-worker parallel efficiency (mean over table sizes): %.2f\n", eff_sum / costs.size());
  std::printf("planned wall time of a 10^6-trial point (sigma 0.1, 8 bits/stage) on N ranks = "
              "10^6 x cost / N:\n%-6s", "rows");
  const int ranks[] = {1, 2, 16, 64, 256};
  for (int n : ranks) std::printf(" %10s", ("N=" + std::to_string(n)).c_str());
  std::printf("\n");
  for (const auto& c : costs) {
    std::printf("%-6d", c.rows);
    for (int n : ranks) std::printf(" %9.1fs", 1e6 * c.s_per_trial / n);
    std::printf("\n");
  }
  std::printf("(cost grows ~linearly with rows: 2 x rows x 32 normal deviates and rows x 8 cell currents per "
              "stage-0 search, for the varied, nominal and Hamming circuits)\n");
  return 0;
}
