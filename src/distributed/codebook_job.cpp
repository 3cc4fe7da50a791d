#include "distributed/codebook_job.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "cluster/input_checks.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/sort_values.hpp"
#include "core/error.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::distributed {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Both codebooks of a whole problem from ONE sorted copy: the flat one exactly (certified DP)
/// up to exact_below values, else kmeans1d_fast; the tree by exact 2-means splits. k is capped
/// at the number of distinct values for tiny problems (a first conv layer has 27 weights per
/// channel).
ProblemResult solve_whole(std::span<const float> values, const JobParams& params) {
  ProblemResult r;
  auto t0 = Clock::now();
  (void)cluster::detail::checked_value_range(values, "kmeans1d_fast");  // NaN / Inf / empty, by index
  const std::vector<float> sorted_f = cluster::sorted_copy(values);
  const std::vector<double> sorted(sorted_f.begin(), sorted_f.end());
  const double sort_s = seconds_since(t0);
  t0 = Clock::now();
  if (params.k > 0) {
    int k = params.k;
    if (sorted.size() < 4 * static_cast<std::size_t>(k))
      k = std::min(k, static_cast<int>(cluster::detail::count_distinct_sorted(sorted)));
    r.flat = sorted.size() <= params.fast.exact_below ? cluster::kmeans1d_optimal_sorted(sorted, k, "kmeans1d_fast")
                                                      : cluster::kmeans1d_fast(values, k, params.fast);
  }
  r.flat_s = sort_s + seconds_since(t0);
  t0 = Clock::now();
  if (params.tree_levels > 0) r.tree = cluster::build_tree_codebook_sorted(sorted, params.tree_levels);
  r.tree_s = seconds_since(t0);
  return r;
}

}  // namespace

std::string problem_name(const std::vector<LayerSpec>& layers, const Problem& p) {
  const std::string& layer = layers[static_cast<std::size_t>(p.layer)].name;
  return p.channel < 0 ? layer : fmt::format("{}[{}]", layer, p.channel);
}

std::uint64_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream is(line.substr(6));
      std::uint64_t kb = 0;
      is >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

JobResult run_codebook_job(const par::Communicator& comm, const std::vector<LayerSpec>& layers,
                           const WeightSource& source, const JobParams& params) {
  RAPIDNN_THROW_IF_NOT(params.k >= 0, InvalidArgument, "codebook job: k must be >= 0, got {}", params.k);
  RAPIDNN_THROW_IF_NOT(params.tree_levels >= 0 && params.tree_levels <= cluster::kMaxTreeLevels, InvalidArgument,
                       "codebook job: tree_levels must be in [0, {}], got {}", cluster::kMaxTreeLevels,
                       params.tree_levels);
  const auto t_job = Clock::now();
  const std::uint64_t bytes0 = comm.bytes_communicated();
  JobResult job;
  job.layers = layers;
  job.problems = plan_weight_problems(layers, params.shard_above);
  std::vector<std::uint64_t> costs;
  for (std::size_t i = 0; i < job.problems.size(); ++i) {
    if (job.problems[i].sharded) {
      job.sharded.push_back(i);
    } else {
      job.whole.push_back(i);
      costs.push_back(whole_cost(job.problems[i].size));
    }
  }
  job.blocks = contiguous_balance(costs, comm.size());
  RankReport& rep = job.rank;

  // ---- sharded problems: collective, one at a time (only one shard in memory) ----------------
  const auto t_sharded = Clock::now();
  double load_s = 0;
  for (std::size_t s : job.sharded) {
    const Problem& p = job.problems[s];
    const LayerSpec& L = layers[static_cast<std::size_t>(p.layer)];
    const par::Range rows = par::block_range(L.fan_in, comm.size(), comm.rank());
    auto t0 = Clock::now();
    std::vector<float> local;
    par::coordinated(comm, [&] { local = source.rows(p.layer, rows.begin, rows.end); });
    load_s += seconds_since(t0);
    rep.local_values = std::max<std::uint64_t>(rep.local_values, local.size());
    ProblemResult r;
    try {
      t0 = Clock::now();
      const cluster::Histogram1D h = sharded_histogram(
          comm, local, params.fast.histogram_bins,
          params.tree_levels > 0 ? cluster::BinExtrema::kKeep : cluster::BinExtrema::kSkip, "sharded problem");
      const double hist_s = seconds_since(t0);
      t0 = Clock::now();
      int flat_passes = 2;
      if (params.k > 0) r.flat = sharded_kmeans(comm, local, h, params.k, params.fast, &flat_passes);
      r.flat_s = hist_s + seconds_since(t0);
      t0 = Clock::now();
      ShardedTreeStats ts;
      if (params.tree_levels > 0) r.tree = sharded_tree(comm, local, h, params.tree_levels, &ts);
      r.tree_s = seconds_since(t0);
      rep.gathered_values += ts.gathered_values;
      job.passes_tree = ts.passes;
      job.passes_flat = params.k > 0 ? flat_passes : 2;
    } catch (const Error& e) {
      // Raised identically on every rank (the inputs of these decisions are reduced values).
      throw InvalidArgument(fmt::format("problem {}: {}", problem_name(layers, p), e.what()));
    }
    job.sharded_results.push_back(std::move(r));
  }
  rep.sharded_s = seconds_since(t_sharded) - load_s;

  // ---- whole problems: this rank's contiguous block, oneTBB inside ---------------------------
  const par::Range mine = job.blocks[static_cast<std::size_t>(comm.rank())];
  rep.whole_problems = mine.size();
  std::vector<std::vector<float>> data(mine.size());
  par::coordinated(comm, [&] {
    const auto t0 = Clock::now();
    std::map<int, std::vector<float>> matrix;  // layers touched by this block, loaded once
    std::uint64_t held = 0;
    for (std::uint64_t i = mine.begin; i < mine.end; ++i) {
      const Problem& p = job.problems[job.whole[i]];
      const LayerSpec& L = layers[static_cast<std::size_t>(p.layer)];
      auto it = matrix.find(p.layer);
      if (it == matrix.end()) {
        matrix.clear();  // plan order: a layer's problems are consecutive
        it = matrix.emplace(p.layer, source.rows(p.layer, 0, L.fan_in)).first;
      }
      auto& v = data[i - mine.begin];
      v = problem_values(L, p, it->second);
      held += v.size();
    }
    rep.local_values += held;
    load_s += seconds_since(t0);
  });
  const auto t_whole = Clock::now();
  job.whole_results.resize(mine.size());
  par::coordinated(comm, [&] {
    // Errors inside the parallel loop: keep the lowest-index one, so the message is deterministic.
    std::vector<std::string> errors(mine.size());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, mine.size(), 1), [&](const auto& r) {
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        try {
          job.whole_results[i] = solve_whole(data[i], params);
        } catch (const Error& e) {
          errors[i] = fmt::format("problem {}: {}", problem_name(layers, job.problems[job.whole[mine.begin + i]]),
                                  e.what());
        }
      }
    });
    for (const auto& e : errors)
      if (!e.empty()) throw InvalidArgument(e);
  });
  rep.whole_s = seconds_since(t_whole);
  rep.load_s = load_s;
  rep.shard_bytes = rep.local_values * sizeof(float);
  rep.total_s = seconds_since(t_job);
  rep.bytes_communicated = comm.bytes_communicated() - bytes0;
  rep.peak_rss_bytes = peak_rss_bytes();
  return job;
}

}  // namespace rapidnn::distributed
