#pragma once
// One Monte Carlo trial of the NDCAM variation study and loops over trial ranges.
//
// Trial t of stream w (w identifies the workload: distribution, rows, value bits) draws, from
// CounterRng(seed, RngDomain::kMonteCarlo, w * 2^32 + t) and in this order:
//   1. the stored table (rows values), 2. the query, 3. for every row r and bit b (row-major),
//   the pair (z_w, z_vth) of standard-normal deviates of that cell's access transistor.
// sigma and bits-per-stage are deliberately NOT part of the key: every point of a sweep that
// shares a workload sees the same tables, queries and deviates (common random numbers), so
// differences between sigmas or stage widths are paired, not sampling noise.
// The same trial is then searched by (a) the NDCAM with variation, (b) the same NDCAM without
// variation ("ideal": separates the circuit's intrinsic error from variation errors) and (c) a
// Hamming-distance CAM (equal cells, one stage over all bits) with the same variation.
#include <cstdint>
#include <vector>

#include "ndcam/circuit_params.hpp"
#include "ndcam/ndcam_circuit.hpp"
#include "ndcam/trial_stats.hpp"
#include "ndcam/workload.hpp"

namespace rapidnn::ndcam {

struct TrialSpec {
  WorkloadSpec workload;
  CircuitParams params;        ///< sigma_w / sigma_vth set the variation
  int bits_per_stage = 8;
  std::uint64_t seed = 1;
  std::uint32_t stream = 0;    ///< workload id; the RNG item is stream * 2^32 + trial
  bool hamming_baseline = true;
};

class TrialRunner {
 public:
  explicit TrialRunner(const TrialSpec& spec);
  TrialOutcome run(std::uint32_t trial);
  /// Trials [begin, end) accumulated in order.
  TrialStats run_range(std::uint64_t begin, std::uint64_t end);

  const NdcamCircuit& circuit() const { return ndcam_; }
  /// The table and query of the last trial run (for tests and examples).
  const std::vector<std::uint32_t>& table() const { return table_; }
  std::uint32_t query() const { return query_; }

 private:
  TrialSpec spec_;
  NdcamCircuit ndcam_;
  NdcamCircuit ideal_;
  NdcamCircuit hamming_;
  bool varied_;
  std::vector<std::uint32_t> table_;
  std::uint32_t query_ = 0;
  std::vector<double> z_w_, z_vth_;
  SearchScratch scratch_;
};

}  // namespace rapidnn::ndcam
