#include "distributed/sharded_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "cluster/fixed_point_stats.hpp"
#include "core/error.hpp"
#include "distributed/sharded_kmeans.hpp"

namespace rapidnn::distributed {

namespace {

constexpr std::size_t kGrain = std::size_t{1} << 15;
constexpr float kPosInf = std::numeric_limits<float>::infinity();

/// The node of x at level l: the path through the split thresholds found so far.
inline std::uint32_t route(const std::vector<std::vector<double>>& thresholds, int l, double x) {
  std::uint32_t node = 0;
  for (int d = 0; d < l; ++d) node = node * 2 + (x > thresholds[static_cast<std::size_t>(d)][node] ? 1U : 0U);
  return node;
}

/// One node's value range and its histogram geometry. bin(x) is monotone non-decreasing in x
/// (a rounded affine map, clamped), which the exactness argument relies on.
struct Node {
  std::uint64_t count = 0;
  long double sum_q = 0;  // exact: an int64 sum, stored as long double for the G arithmetic
  double lo = 0, hi = 0;  // min and max of the node's values (lo > hi when empty)
  double centroid = 0;
  double inv_width = 0;
  int bin(double x, int bins) const {
    return static_cast<int>(std::clamp((x - lo) * inv_width, 0.0, static_cast<double>(bins - 1)));
  }
};

struct LevelAcc {
  std::vector<std::int64_t> count_sum;  // per bin: count, fixed-point sum
  std::vector<float> min, max;          // per bin
  cluster::ClusterStats stats;          // per node, for the level's WCSS
  LevelAcc(std::size_t total_bins, int nodes)
      : count_sum(2 * total_bins, 0), min(total_bins, kPosInf), max(total_bins, -kPosInf), stats(nodes) {}
};

/// G = S_L^2 / n_L + S_R^2 / n_R (maximised by the optimal split; WCSS = sum q^2 - G).
inline long double between(long double n, long double s, long double nl, long double sl) {
  const long double sr = s - sl, nr = n - nl;
  return sl * sl / nl + sr * sr / nr;
}

struct Element {  // a whole bin, or one gathered value
  std::uint64_t count;
  long double sum_q;
  float min, max;
};

}  // namespace

cluster::TreeCodebook sharded_tree(const par::Communicator& comm, std::span<const float> local, int levels,
                                   const ShardedTreeParams& params, ShardedTreeStats* out_stats) {
  constexpr const char* what = "sharded_tree";
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= cluster::kMaxTreeLevels, InvalidArgument,
                       "{}: levels must be in [1, {}], got {}", what, cluster::kMaxTreeLevels, levels);
  RAPIDNN_THROW_IF_NOT(params.bins_per_level >= 1, InvalidArgument, "{}: bins_per_level must be >= 1, got {}", what,
                       params.bins_per_level);
  const ShardedRange range = sharded_range(comm, local, what);
  const cluster::FixedPointScale scale = cluster::FixedPointScale::from_range(range.min, range.max);
  ShardedTreeStats st;

  cluster::TreeCodebook tree;
  std::vector<Node> nodes(1);
  nodes[0].lo = range.min;
  nodes[0].hi = range.max;
  nodes[0].count = range.count;

  for (int l = 0; l <= levels; ++l) {
    const int n_nodes = 1 << l;
    const bool split = l < levels;  // the last pass only measures the leaves' WCSS
    const int bins = split ? std::max(64, params.bins_per_level >> l) : 1;
    const std::size_t total_bins = static_cast<std::size_t>(n_nodes) * static_cast<std::size_t>(bins);
    for (auto& nd : nodes) nd.inv_width = nd.hi > nd.lo ? bins / (nd.hi - nd.lo) : 0.0;

    // ---- pass 1: per-node histograms and statistics --------------------------------------------
    tbb::enumerable_thread_specific<LevelAcc> accs([&] { return LevelAcc(split ? total_bins : 0, n_nodes); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, local.size(), kGrain), [&](const auto& r) {
      LevelAcc& a = accs.local();
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        const float xf = local[i];
        const double x = xf;
        const std::uint32_t node = route(tree.split_thresholds, l, x);
        const std::int64_t q = scale.quantize(x);
        a.stats.add(static_cast<int>(node), q);
        if (!split) continue;
        const std::size_t b = static_cast<std::size_t>(node) * bins + nodes[node].bin(x, bins);
        a.count_sum[2 * b] += 1;
        a.count_sum[2 * b + 1] += q;
        a.min[b] = std::min(a.min[b], xf);
        a.max[b] = std::max(a.max[b], xf);
      }
    });
    LevelAcc acc(split ? total_bins : 0, n_nodes);
    for (const LevelAcc& a : accs) {  // integer sums and min/max: the order does not matter
      acc.stats += a.stats;
      for (std::size_t w = 0; w < acc.count_sum.size(); ++w) acc.count_sum[w] += a.count_sum[w];
      for (std::size_t b = 0; b < acc.min.size(); ++b) {
        acc.min[b] = std::min(acc.min[b], a.min[b]);
        acc.max[b] = std::max(acc.max[b], a.max[b]);
      }
    }
    comm.allreduce_sum(acc.stats.words());
    comm.allreduce_sum(std::span<std::int64_t>(acc.count_sum));
    comm.allreduce_min(std::span<float>(acc.min));
    comm.allreduce_max(std::span<float>(acc.max));
    ++st.passes;
    if (l >= 1) {
      double wcss = 0;
      for (int c = 0; c < n_nodes; ++c)
        if (acc.stats.count(c) > 0) wcss += acc.stats.within_ss(c, scale);
      tree.level_wcss.push_back(wcss);
    }
    if (l == 0) nodes[0].centroid = acc.stats.mean(0, scale);
    for (int c = 0; c < n_nodes; ++c) {
      RAPIDNN_ASSERT(acc.stats.count(c) == nodes[static_cast<std::size_t>(c)].count);
      nodes[static_cast<std::size_t>(c)].sum_q = static_cast<long double>(acc.stats.sum_q(c));
    }
    if (!split) break;

    // ---- bound: which bins may hold a cut better than the best bin boundary --------------------
    std::vector<std::uint8_t> candidate(total_bins, 0);
    std::vector<long double> best_boundary(static_cast<std::size_t>(n_nodes), -INFINITY);
    for (int c = 0; c < n_nodes; ++c) {
      const Node& nd = nodes[static_cast<std::size_t>(c)];
      if (nd.count < 2 || !(nd.hi > nd.lo)) continue;
      const long double N = static_cast<long double>(nd.count), S = nd.sum_q;
      const std::size_t base = static_cast<std::size_t>(c) * bins;
      long double n_p = 0, s_p = 0, best = -INFINITY;
      for (int b = 0; b < bins; ++b) {
        const auto cnt = acc.count_sum[2 * (base + b)];
        if (cnt == 0) continue;
        n_p += static_cast<long double>(cnt);
        s_p += static_cast<long double>(acc.count_sum[2 * (base + b) + 1]);
        if (n_p < N) best = std::max(best, between(N, S, n_p, s_p));
      }
      best_boundary[static_cast<std::size_t>(c)] = best;
      const long double slack = std::isfinite(best) ? std::fabs(best) * 1e-12L : 0.0L;
      n_p = 0;
      s_p = 0;
      for (int b = 0; b < bins; ++b) {
        const std::size_t i = base + b;
        const auto cnt = acc.count_sum[2 * i];
        if (cnt >= 2 && acc.min[i] < acc.max[i]) {
          const long double qmin = static_cast<long double>(scale.quantize(acc.min[i]));
          const long double qmax = static_cast<long double>(scale.quantize(acc.max[i]));
          long double ub = -INFINITY;
          for (const long double j : {1.0L, static_cast<long double>(cnt - 1)})
            for (const long double q : {qmin, qmax}) ub = std::max(ub, between(N, S, n_p + j, s_p + j * q));
          if (!std::isfinite(best) || ub >= best - slack) candidate[i] = 1;
        }
        n_p += static_cast<long double>(cnt);
        s_p += static_cast<long double>(acc.count_sum[2 * i + 1]);
      }
    }

    // ---- pass 2: gather the values of the candidate bins -----------------------------------------
    tbb::enumerable_thread_specific<std::pair<std::vector<float>, std::vector<std::uint32_t>>> picked;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, local.size(), kGrain), [&](const auto& r) {
      auto& p = picked.local();
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        const double x = local[i];
        const std::uint32_t node = route(tree.split_thresholds, l, x);
        const std::size_t b = static_cast<std::size_t>(node) * bins + nodes[node].bin(x, bins);
        if (candidate[b] != 0) {
          p.first.push_back(local[i]);
          p.second.push_back(node);
        }
      }
    });
    std::vector<float> mine_v;
    std::vector<std::uint32_t> mine_n;
    for (auto& p : picked) {
      mine_v.insert(mine_v.end(), p.first.begin(), p.first.end());
      mine_n.insert(mine_n.end(), p.second.begin(), p.second.end());
    }
    const std::vector<float> all_v = comm.allgatherv(std::span<const float>(mine_v));
    const std::vector<std::uint32_t> all_n = comm.allgatherv(std::span<const std::uint32_t>(mine_n));
    ++st.passes;
    st.gathered_values += all_v.size();
    std::vector<std::size_t> order(all_v.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return all_n[a] != all_n[b] ? all_n[a] < all_n[b] : all_v[a] < all_v[b];
    });

    // ---- exact split of every node ----------------------------------------------------------------
    std::vector<double> thresholds(static_cast<std::size_t>(n_nodes), std::numeric_limits<double>::infinity());
    std::vector<Node> children(static_cast<std::size_t>(2 * n_nodes));
    std::size_t g = 0;  // cursor into the sorted gathered values
    std::vector<Element> seq;
    for (int c = 0; c < n_nodes; ++c) {
      const Node& nd = nodes[static_cast<std::size_t>(c)];
      Node& left = children[static_cast<std::size_t>(2 * c)];
      Node& right = children[static_cast<std::size_t>(2 * c + 1)];
      // Unsplittable (fewer than 2 distinct values): the left child keeps everything.
      left = nd;
      right = Node{};
      right.lo = 1;
      right.hi = 0;
      right.centroid = nd.centroid;
      const std::size_t g_begin = g;
      while (g < order.size() && all_n[order[g]] == static_cast<std::uint32_t>(c)) ++g;
      if (nd.count < 2 || !(nd.hi > nd.lo)) continue;
      seq.clear();
      const std::size_t base = static_cast<std::size_t>(c) * bins;
      std::size_t gi = g_begin;
      for (int b = 0; b < bins; ++b) {
        const std::size_t i = base + b;
        const auto cnt = static_cast<std::uint64_t>(acc.count_sum[2 * i]);
        if (cnt == 0) continue;
        if (candidate[i] == 0) {
          seq.push_back({cnt, static_cast<long double>(acc.count_sum[2 * i + 1]), acc.min[i], acc.max[i]});
          continue;
        }
        std::uint64_t taken = 0;
        while (gi < g && nd.bin(all_v[order[gi]], bins) == b) {
          const float x = all_v[order[gi]];
          seq.push_back({1, static_cast<long double>(scale.quantize(x)), x, x});
          ++gi;
          ++taken;
        }
        RAPIDNN_ASSERT(taken == cnt);
      }
      RAPIDNN_ASSERT(gi == g);
      const long double N = static_cast<long double>(nd.count), S = nd.sum_q;
      long double n_l = 0, s_l = 0, best = -INFINITY, best_n = 0, best_s = 0;
      float max_left = 0, min_right = 0;
      for (std::size_t e = 0; e + 1 < seq.size(); ++e) {
        n_l += static_cast<long double>(seq[e].count);
        s_l += seq[e].sum_q;
        if (!(seq[e].max < seq[e + 1].min)) continue;  // equal values never straddle a cut
        const long double v = between(N, S, n_l, s_l);
        if (v > best) {
          best = v;
          best_n = n_l;
          best_s = s_l;
          max_left = seq[e].max;
          min_right = seq[e + 1].min;
        }
      }
      RAPIDNN_ASSERT(std::isfinite(best) && best >= best_boundary[static_cast<std::size_t>(c)]);
      left.count = static_cast<std::uint64_t>(best_n);
      left.sum_q = best_s;
      left.lo = nd.lo;
      left.hi = max_left;
      left.centroid = scale.to_value(best_s / best_n);
      right.count = nd.count - left.count;
      right.sum_q = S - best_s;
      right.lo = min_right;
      right.hi = nd.hi;
      right.centroid = scale.to_value((S - best_s) / (N - best_n));
      // Midpoint of the child centroids, clamped into [max_left, min_right) so that every value
      // encodes to the side it was split to.
      double t = 0.5 * (left.centroid + right.centroid);
      if (t < max_left) t = max_left;
      if (t >= min_right) t = std::nextafter(static_cast<double>(min_right), -std::numeric_limits<double>::infinity());
      thresholds[static_cast<std::size_t>(c)] = t;
    }
    tree.split_thresholds.push_back(std::move(thresholds));
    std::vector<double> cents;
    std::vector<std::uint64_t> counts;
    for (const Node& ch : children) {
      cents.push_back(ch.centroid);
      counts.push_back(ch.count);
    }
    tree.level_centroids.push_back(std::move(cents));
    tree.level_counts.push_back(std::move(counts));
    nodes = std::move(children);
  }
  if (out_stats != nullptr) *out_stats = st;
  return tree;
}

}  // namespace rapidnn::distributed
