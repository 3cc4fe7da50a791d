// bench_codebooks: the distributed weight-codebook job (src/distributed) on VGG-16, run by hand:
//   mpirun -n 1 build/bench/codebooks/bench_codebooks    mpirun -n 2 build/bench/codebooks/bench_codebooks
// One oneTBB thread per rank (RAPIDNN_THREADS overrides), so that "ranks" means cores and the
// 1 -> 2 rank speedup is a strong-scaling figure. Prints, all measured in this run:
//  1. streaming read bandwidth of every rank's fc6 shard (all ranks at once, barrier to barrier;
//     best of 5);
//  2. fc6 (25088 x 4096 = 102.8M weights, sharded), k = 64: time (best of 5 runs, all printed
//     and checked identical) vs the floor of three streaming passes at that bandwidth; bytes
//     communicated per pass; peak RSS vs the shard's bytes; the tree to 64 leaves (exact splits)
//     on the same shard;
//  3. every VGG-16 weight codebook (13 conv layers x channels + fc6..fc8; flat k = 64 and tree to
//     64 leaves) on all ranks, and (rank 0 alone, single-rank communicator) the same job for the
//     strong-scaling ratio;
//  4. quality: every whole problem (the 4224 conv channels, <= 4608 values each) checked against
//     an independent solve: its flat WCSS vs the plain bounded divide-and-conquer DP (no
//     certificate), how many the Lagrangian certificate settled, and every tree split vs a
//     brute-force scan of all split positions of the node (an exact 2-means split); the sharded
//     fc8 (4.1M values) flat WCSS vs the exact DP and its tree vs the exact single-process tree
//     (identical cut positions at every level);
//  5. an extrapolation, from the per-value costs measured here, of ResNet-152 weights plus 2% of
//     ImageNet (25,623 images) as activation samples on 64 and 512 ranks.
// Options: --quick (skip the single-rank rerun and the exact references).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Dense>
#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_reduce.h>

#include "accel/shape_zoo.hpp"
#include "common/stream_sum.hpp"
#include "cluster/certified_partition.hpp"
#include "cluster/dp_engine.hpp"
#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/segment_cost.hpp"
#include "cluster/sort_values.hpp"
#include "cluster/tree_codebook.hpp"
#include "distributed/codebook_job.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "distributed/sharded_tree.hpp"
#include "par/partition.hpp"

using namespace rapidnn;
using namespace rapidnn::distributed;

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

/// "0.152 / 0.144 / ..." (seconds, 3 decimals).
std::string joined(const std::vector<double>& seconds) {
  std::string out;
  for (const double s : seconds) out += (out.empty() ? "" : " / ") + fmt::format("{:.3f}", s);
  return out;
}

/// Mean time of one MPI_Allreduce of `words` int64 (after a warm-up).
double allreduce_time(const par::Communicator& comm, std::size_t words) {
  std::vector<std::int64_t> buf(words, 1);
  comm.allreduce_sum(std::span<std::int64_t>(buf));
  comm.barrier();
  const int reps = 20;
  const double t0 = now_s();
  for (int i = 0; i < reps; ++i) comm.allreduce_sum(std::span<std::int64_t>(buf));
  return comm.max((now_s() - t0) / reps);
}

/// Squared-deviation cost of sorted[b, e) from prefix sums (long double).
struct PrefixCost {
  std::vector<long double> s, q;
  explicit PrefixCost(const std::vector<double>& x) : s(x.size() + 1, 0), q(x.size() + 1, 0) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      s[i + 1] = s[i] + x[i];
      q[i + 1] = q[i] + static_cast<long double>(x[i]) * x[i];
    }
  }
  long double operator()(std::size_t b, std::size_t e) const {
    if (e <= b) return 0;
    const long double sum = s[e] - s[b];
    return (q[e] - q[b]) - sum * sum / static_cast<long double>(e - b);
  }
};

struct TreeCheck {
  std::uint64_t splits = 0, exact = 0, unsplit_but_splittable = 0;
  double worst_excess = 0;  // relative excess of a split's cost over the best split of its node
};

/// Every split of the tree vs a scan of all split positions of its node's sorted values.
void check_tree(const std::vector<double>& sorted, const cluster::TreeCodebook& tree, TreeCheck& out) {
  const PrefixCost cost(sorted);
  std::vector<std::uint64_t> begin{0}, size{sorted.size()};  // nodes of the current level
  for (int l = 1; l <= tree.levels(); ++l) {
    const auto& counts = tree.level_counts[static_cast<std::size_t>(l - 1)];
    std::vector<std::uint64_t> nb, ns;
    for (std::size_t j = 0; j < begin.size(); ++j) {
      const std::uint64_t b = begin[j], n = size[j], left = counts[2 * j], right = counts[2 * j + 1];
      if (left + right != n) {
        std::printf("    tree check: level %d node %zu counts %llu + %llu != %llu\n", l, j,
                    static_cast<unsigned long long>(left), static_cast<unsigned long long>(right),
                    static_cast<unsigned long long>(n));
        std::exit(1);
      }
      const bool splittable = n >= 2 && sorted[b] != sorted[b + n - 1];
      if (left > 0 && right > 0) {
        long double best = cost(b, b + n);
        for (std::uint64_t s = 1; s < n; ++s) best = std::min(best, cost(b, b + s) + cost(b + s, b + n));
        const long double got = cost(b, b + left) + cost(b + left, b + n);
        const double excess = best > 0 ? static_cast<double>((got - best) / best) : 0.0;
        ++out.splits;
        out.exact += excess <= 1e-12 ? 1 : 0;
        out.worst_excess = std::max(out.worst_excess, excess);
      } else if (splittable) {
        ++out.unsplit_but_splittable;
      }
      nb.push_back(b);
      ns.push_back(left);
      nb.push_back(b + left);
      ns.push_back(right);
    }
    begin.swap(nb);
    size.swap(ns);
  }
}

}  // namespace

int main(int argc, char** argv) {
  par::Environment env(argc, argv);
  const auto comm = par::Communicator::world();
  bool quick = false;
  for (int i = 1; i < argc; ++i) quick = quick || std::strcmp(argv[i], "--quick") == 0;
  const int threads = std::getenv("RAPIDNN_THREADS") ? std::max(1, std::atoi(std::getenv("RAPIDNN_THREADS"))) : 1;
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const bool root = comm.is_root();
  const int P = comm.size();
  if (root) std::printf("bench_codebooks: %d rank(s) x %d oneTBB thread(s)\n\n", P, threads);

  const auto layers = topology_layers("vgg16");
  const SyntheticWeights weights(layers, 2018);
  int fc6 = -1, fc8 = -1;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (layers[l].name == "fc6") fc6 = static_cast<int>(l);
    if (layers[l].name == "fc8") fc8 = static_cast<int>(l);
  }

  // ---- 1-2. fc6 sharded --------------------------------------------------------------------------
  double agg_bw = 0, t_flat = 0, t_tree = 0, per_value_flat = 0, per_value_tree = 0;
  {
    const LayerSpec& L = layers[static_cast<std::size_t>(fc6)];
    const par::Range rows = par::block_range(L.fan_in, P, comm.rank());
    const std::vector<float> shard = weights.rows(fc6, rows.begin, rows.end);
    const double shard_bytes = static_cast<double>(shard.size() * sizeof(float));
    const double total_bytes = static_cast<double>(L.size() * sizeof(float));
    // Barrier to barrier: the ranks' streams must overlap. Timing each rank's own stream instead
    // counts a repetition in which one rank started late (descheduled) and the two streams ran one
    // after the other as twice the bandwidth of concurrent streams (seen here: 53 vs 33 GB/s).
    double best = 1e30, sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
      comm.barrier();
      const double t0 = now_s();
      sink += bench::stream_sum(shard);
      comm.barrier();
      best = std::min(best, comm.max(now_s() - t0));
    }
    agg_bw = total_bytes / best;
    if (root)
      std::printf("[1] read bandwidth, all ranks streaming their fc6 shard at once: %.2f GB/s aggregate "
                  "(%.1f MB per rank, checksum %.3g)\n",
                  agg_bw / 1e9, shard_bytes / 1e6, sink);
    // Best of 5 runs, like the bandwidth's best of 5 (a shared machine's noise is one-sided); every
    // run must give the same codebook. Bytes communicated are those of the first run.
    constexpr int kRuns = 5;
    std::vector<double> flat_runs, tree_runs;
    cluster::Codebook1D flat;
    cluster::TreeCodebook tree;
    int flat_passes = 0;
    ShardedTreeStats ts;
    std::uint64_t flat_bytes = 0, tree_bytes = 0;
    bool repeatable = true;
    for (int run = 0; run < kRuns; ++run) {
      const std::uint64_t b0 = comm.bytes_communicated();
      comm.barrier();
      double t0 = now_s();
      const auto f = sharded_kmeans(comm, shard, 64, {}, &flat_passes);
      flat_runs.push_back(comm.max(now_s() - t0));
      const std::uint64_t b1 = comm.bytes_communicated();
      comm.barrier();
      t0 = now_s();
      const auto t = sharded_tree(comm, shard, 6, {}, &ts);
      tree_runs.push_back(comm.max(now_s() - t0));
      const std::uint64_t b2 = comm.bytes_communicated();
      if (run == 0) {
        flat = f;
        tree = t;
        flat_bytes = b1 - b0;
        tree_bytes = b2 - b1;
      }
      repeatable = repeatable && f.centroids == flat.centroids && t.level_centroids == tree.level_centroids;
    }
    t_flat = *std::min_element(flat_runs.begin(), flat_runs.end());
    t_tree = *std::min_element(tree_runs.begin(), tree_runs.end());
    const double floor_s = 3.0 * total_bytes / agg_bw;
    per_value_flat = t_flat * P / static_cast<double>(L.size());
    per_value_tree = t_tree * P / static_cast<double>(L.size());
    const double rss = static_cast<double>(comm.max(peak_rss_bytes()));
    if (root) {
      std::printf("[2] fc6 %llu values, k = 64, sharded over %d rank(s):\n", static_cast<unsigned long long>(L.size()), P);
      std::printf("    flat: %.3f s (best of %d: %s s), %d streaming passes, WCSS %.6g, %d Lloyd steps\n", t_flat, kRuns,
                  joined(flat_runs).c_str(), flat_passes, flat.wcss, flat.iterations);
      std::printf("    floor (3 streaming passes at %.2f GB/s): %.3f s -> ratio %.2fx (target <= 5x)\n", agg_bw / 1e9,
                  floor_s, t_flat / floor_s);
      std::printf("    communicated by rank 0: %llu bytes in all (histogram %d B: count and sum per bin, q^2 words; "
                  "each Lloyd step %d B; range 24 B)\n",
                  static_cast<unsigned long long>(flat_bytes), 65536 * 16 + 16, 64 * 2 * 8);
      std::printf("    tree to 64 leaves (exact splits): %.3f s (best of %d: %s s), %d passes, %llu bins refined into "
                  "sub-histograms, %llu values gathered in all, %llu bytes communicated; level-6 WCSS %.6g\n",
                  t_tree, kRuns, joined(tree_runs).c_str(), ts.passes,
                  static_cast<unsigned long long>(ts.refined_bins), static_cast<unsigned long long>(ts.gathered_values),
                  static_cast<unsigned long long>(tree_bytes), tree.level_wcss.back());
      std::printf("    the %d runs gave %s codebooks\n", kRuns, repeatable ? "identical" : "DIFFERENT");
      std::printf("    peak RSS %.1f MB per rank (max) vs shard %.1f MB -> %.2fx (target <= 1.5x)\n\n", rss / 1e6,
                  shard_bytes / 1e6, rss / shard_bytes);
    }
  }

  // ---- 3. the whole VGG-16 job ---------------------------------------------------------------------
  JobParams params;  // k = 64, tree to 64 leaves, shard_above = 1M
  comm.barrier();
  double t0 = now_s();
  const JobResult job = run_codebook_job(comm, layers, weights, params);
  const double t_job = comm.max(now_s() - t0);
  const double whole_s = comm.max(job.rank.whole_s), sharded_s = comm.max(job.rank.sharded_s);
  const double load_s = comm.max(job.rank.load_s);
  double whole_values = 0;
  for (std::size_t i : job.whole) whole_values += static_cast<double>(job.problems[i].size);
  const double sum_whole_s = comm.sum(job.rank.whole_s);
  const double per_value_whole = sum_whole_s / whole_values;  // core-seconds per value
  if (root) {
    std::printf("[3] VGG-16, all weight codebooks (%zu problems: %zu whole, %zu sharded), flat k = 64 + tree to 64 leaves:\n",
                job.problems.size(), job.whole.size(), job.sharded.size());
    std::printf("    %d rank(s): %.3f s wall (target <= 10 s on 2 ranks): generate %.2f s, sharded %.2f s, whole %.2f s "
                "(max over ranks)\n",
                P, t_job, load_s, sharded_s, whole_s);
    std::printf("    peak RSS rank 0 %.1f MB, its largest shard + whole data %.1f MB\n",
                static_cast<double>(job.rank.peak_rss_bytes) / 1e6, static_cast<double>(job.rank.shard_bytes) / 1e6);
  }
  double t_single = t_job;
  if (P > 1 && !quick) {
    if (root) {
      t0 = now_s();
      const JobResult single = run_codebook_job(par::Communicator(), layers, weights, params);
      t_single = now_s() - t0;
      bool same = true;
      for (std::size_t i = 0; i < job.sharded.size(); ++i)
        same = same && single.sharded_results[i].flat.centroids == job.sharded_results[i].flat.centroids &&
               single.sharded_results[i].tree.level_centroids == job.sharded_results[i].tree.level_centroids;
      const auto mine = job.blocks[0];
      for (std::uint64_t i = mine.begin; i < mine.end; ++i)
        same = same && single.whole_results[i].flat.centroids == job.whole_results[i - mine.begin].flat.centroids;
      std::printf("    1 rank (rank 0 alone): %.3f s -> strong scaling 1 -> %d ranks: %.2fx (target >= 1.7x on 2); "
                  "codebooks bit-identical: %s\n",
                  t_single, P, t_single / t_job, same ? "yes" : "NO");
    }
    // The other ranks wait without spinning (MPI_Barrier busy-polls and would steal the core
    // that the single-rank run needs).
    MPI_Request req;
    MPI_Ibarrier(comm.native(), &req);
    for (int done = 0; !done;) {
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (root) std::printf("\n");

  // ---- 4. quality -----------------------------------------------------------------------------------
  if (root && !quick) {
    // Rank 0's block of whole problems (all of them on 1 rank), checked independently.
    const auto mine = job.blocks[0];
    t0 = now_s();
    std::uint64_t checked = 0, certified = 0, equal_wcss = 0;
    double worst_flat = 0;
    TreeCheck tc;
    std::vector<float> layer_rows;
    int loaded = -1;
    for (std::uint64_t i = mine.begin; i < mine.end; ++i) {
      const Problem& p = job.problems[job.whole[i]];
      const LayerSpec& L = layers[static_cast<std::size_t>(p.layer)];
      if (p.layer != loaded) {
        layer_rows = weights.rows(p.layer, 0, L.fan_in);
        loaded = p.layer;
      }
      const auto vf = cluster::sorted_copy(problem_values(L, p, layer_rows));
      const std::vector<double> sorted(vf.begin(), vf.end());
      const auto& got = job.whole_results[i - mine.begin];
      const int k = static_cast<int>(got.flat.centroids.size());
      const cluster::detail::SegmentCost<false> cost(sorted, {});
      const auto plain = cluster::detail::optimal_starts(cost, k, cluster::detail::RowMinima::kBoundedDivideConquer);
      const double ref = cluster::codebook_from_partition(sorted, plain).wcss;
      cluster::detail::CertifiedPartitionStats st;
      (void)cluster::detail::certified_optimal_starts(std::span<const double>(sorted), {}, cost, k, &st);
      ++checked;
      certified += st.certified ? 1 : 0;
      equal_wcss += got.flat.wcss == ref ? 1 : 0;
      worst_flat = std::max(worst_flat, ref > 0 ? got.flat.wcss / ref - 1.0 : 0.0);
      check_tree(sorted, got.tree, tc);
    }
    std::printf("[4] quality of the %llu whole problems on rank 0 (of %zu): flat WCSS vs the plain bounded D&C DP: "
                "%llu identical, worst excess %.2e%% (target <= 0.1%%); certificate found for %llu (the rest ran "
                "the full DP); tree splits: %llu of %llu exact 2-means splits (worst excess %.2e), %llu splittable "
                "nodes left unsplit; checked in %.1f s\n",
                static_cast<unsigned long long>(checked), job.whole.size(), static_cast<unsigned long long>(equal_wcss),
                100.0 * worst_flat, static_cast<unsigned long long>(certified), static_cast<unsigned long long>(tc.exact),
                static_cast<unsigned long long>(tc.splits), tc.worst_excess,
                static_cast<unsigned long long>(tc.unsplit_but_splittable), now_s() - t0);
    const LayerSpec& L8 = layers[static_cast<std::size_t>(fc8)];
    const auto all8 = weights.rows(fc8, 0, L8.fan_in);
    std::size_t s8 = 0;
    for (std::size_t i = 0; i < job.sharded.size(); ++i)
      if (job.problems[job.sharded[i]].layer == fc8) s8 = i;
    t0 = now_s();
    const auto exact = cluster::kmeans1d_optimal(all8, 64);
    const double t_exact = now_s() - t0;
    const auto& got = job.sharded_results[s8];
    std::printf("    fc8 (%zu values, sharded): flat WCSS %.9g vs exact DP %.9g -> excess %.4f%% (target <= 0.1%%; "
                "exact DP took %.1f s on 1 thread)\n",
                all8.size(), got.flat.wcss, exact.wcss, 100.0 * (got.flat.wcss / exact.wcss - 1.0), t_exact);
    const auto tref = cluster::build_tree_codebook(all8, 6);
    int same_levels = 0;
    double worst = 0;
    for (int l = 1; l <= 6; ++l) {
      same_levels += tref.level_counts[static_cast<std::size_t>(l - 1)] == got.tree.level_counts[static_cast<std::size_t>(l - 1)];
      worst = std::max(worst, std::fabs(got.tree.level_wcss[static_cast<std::size_t>(l - 1)] /
                                            tref.level_wcss[static_cast<std::size_t>(l - 1)] - 1.0));
    }
    std::printf("    fc8 tree vs exact single-process tree: %d of 6 levels with identical cut positions, max "
                "level-WCSS deviation %.2e\n\n",
                same_levels, worst);
  }

  // ---- 5. extrapolation -----------------------------------------------------------------------------
  const double t_hist = allreduce_time(comm, 2 * 65536);
  const double t_stats = allreduce_time(comm, 4 * 64);
  if (root) {
    // GEMM rate of one core (float), the optimistic rate of a conv layer as im2col + GEMM.
    Eigen::MatrixXf a = Eigen::MatrixXf::Random(512, 512), b = Eigen::MatrixXf::Random(512, 512), c(512, 512);
    c.noalias() = a * b;
    t0 = now_s();
    for (int i = 0; i < 5; ++i) c.noalias() = a * b;
    const double mac_rate = 5.0 * 512.0 * 512.0 * 512.0 / (now_s() - t0);
    const auto res = accel::zoo_shape("resnet152");
    const auto rl = topology_layers("resnet152");
    double w_whole = 0, w_shard = 0;
    int weight_layers = 0;
    for (const auto& l : rl) {
      ++weight_layers;
      (l.conv || l.size() <= params.shard_above ? w_whole : w_shard) += static_cast<double>(l.size());
    }
    const double images = std::round(0.02 * 1281167.0);
    const double macs = static_cast<double>(res.total_macs());
    const double reservoir = 1 << 20;  // activation samples kept per layer (config key)
    std::printf("[5] extrapolation: ResNet-152 (%d weight layers, %.1fM weights) + activations of 2%% of ImageNet "
                "(%.0f images, %.2f GMAC each), reservoir %.0f samples per layer\n",
                weight_layers, (w_whole + w_shard) / 1e6, images, macs / 1e9, reservoir);
    std::printf("    measured here: whole problems %.1f ns/value, sharded flat %.1f ns/value, sharded tree %.1f "
                "ns/value (per core), GEMM %.1f GMAC/s per core, allreduce %d ranks: 1 MiB %.1f us, 2 KiB %.1f us\n",
                per_value_whole * 1e9, per_value_flat * 1e9, per_value_tree * 1e9, mac_rate / 1e9, P, t_hist * 1e6,
                t_stats * 1e6);
    std::printf("    model: compute / ranks + passes x allreduce, allreduce time x log2(ranks) / log2(%d) "
                "(tree reduction); forward at the GEMM rate (a lower bound for real convs)\n",
                std::max(P, 2));
    // Sharded: range + histogram + one extraction, ~8 Lloyd allreduces of 2k words; tree: one
    // extraction (and allgather) per level, sharing the histogram.
    const double flat_passes = 8, tree_passes = 6;
    for (const int ranks : {64, 512}) {
      const double scale = std::log2(ranks) / std::log2(std::max(P, 2));
      const double ar_big = t_hist * scale, ar_small = t_stats * scale;
      const double t_weights = w_whole * per_value_whole / ranks + w_shard * (per_value_flat + per_value_tree) / ranks +
                               (flat_passes * ar_small + ar_big + tree_passes * ar_big);
      const double t_forward = images / ranks * macs / mac_rate;
      const double act_values = reservoir * weight_layers;
      const double t_act = act_values * (per_value_flat + per_value_tree) / ranks +
                           weight_layers * (flat_passes * ar_small + ar_big + tree_passes * ar_big);
      std::printf("    %3d ranks: weights %.2f s + forward %.1f s + activation codebooks %.2f s = %.1f s\n", ranks,
                  t_weights, t_forward, t_act, t_weights + t_forward + t_act);
    }
  }
  return 0;
}
