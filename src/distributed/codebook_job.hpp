#pragma once
// A weight-codebook job over MPI ranks: every problem of the plan (work_plan.hpp) gets a flat
// k-means codebook of size k and/or a tree codebook to 2^levels leaves.
//  * sharded problems: every rank loads its block of rows and the problem is solved
//    collectively on ONE global histogram (sharded_histogram) shared by the flat codebook
//    (sharded_kmeans) and the tree (sharded_tree); the result is replicated on every rank;
//  * whole problems: rank r loads and solves its contiguous block (contiguous_balance), in
//    parallel with oneTBB, each from one sorted copy: the exact optimum below exact_below values
//    (kmeans1d_optimal_sorted: certified fast DP, certified_partition.hpp), kmeans1d_fast above,
//    and the tree by exact 2-means splits (build_tree_codebook_sorted).
// The codebooks do not depend on the rank count (see sharded_*.hpp; whole problems are solved
// by the same single-process code wherever they land).
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/codebook.hpp"
#include "cluster/kmeans1d_fast.hpp"
#include "cluster/tree_codebook.hpp"
#include "distributed/sharded_tree.hpp"
#include "distributed/weight_source.hpp"
#include "distributed/work_plan.hpp"
#include "par/communicator.hpp"

namespace rapidnn::distributed {

struct JobParams {
  int k = 64;           ///< flat codebook size w; 0 = no flat codebook
  int tree_levels = 6;  ///< tree codebook to 2^levels leaves; 0 = no tree
  std::uint64_t shard_above = std::uint64_t{1} << 20;
  /// Flat codebooks (sharded and whole); a sharded problem's histogram (histogram_bins) is
  /// shared by its flat codebook and its tree.
  cluster::FastKMeansParams fast;
};

struct ProblemResult {
  cluster::Codebook1D flat;  ///< empty when k == 0
  cluster::TreeCodebook tree;
  double flat_s = 0, tree_s = 0;
};

struct RankReport {
  double load_s = 0, whole_s = 0, sharded_s = 0, total_s = 0;
  std::uint64_t local_values = 0;         ///< values this rank held (shards + its whole problems)
  std::uint64_t shard_bytes = 0;          ///< local_values * sizeof(float)
  std::uint64_t bytes_communicated = 0;   ///< payload of this job's collectives on this rank
  std::uint64_t gathered_values = 0;      ///< values allgathered by the sharded trees
  std::uint64_t peak_rss_bytes = 0;       ///< VmHWM at the end of the job (Linux), 0 if unknown
  std::uint64_t whole_problems = 0;
};

struct JobResult {
  std::vector<LayerSpec> layers;
  std::vector<Problem> problems;       ///< the plan
  std::vector<std::size_t> sharded;    ///< plan indices of the sharded problems, plan order
  std::vector<std::size_t> whole;      ///< plan indices of the whole problems, plan order
  std::vector<par::Range> blocks;      ///< per rank: its range of `whole`
  std::vector<ProblemResult> sharded_results;  ///< aligned with `sharded` (every rank)
  std::vector<ProblemResult> whole_results;    ///< aligned with this rank's block of `whole`
  RankReport rank;
  int passes_flat = 0;  ///< streaming passes of the last sharded flat problem (range + histogram + extraction)
  int passes_tree = 0;  ///< extraction passes of the last sharded tree (it shares range + histogram)
};

/// Collective. Errors (bad values, k larger than a problem's distinct values) are raised on
/// every rank with the problem's layer/channel in the message.
JobResult run_codebook_job(const par::Communicator& comm, const std::vector<LayerSpec>& layers,
                           const WeightSource& source, const JobParams& params);

/// "fc6" or "conv1_1[17]".
std::string problem_name(const std::vector<LayerSpec>& layers, const Problem& p);

/// Peak resident set size of this process (VmHWM), 0 when /proc is unavailable.
std::uint64_t peak_rss_bytes();

}  // namespace rapidnn::distributed
