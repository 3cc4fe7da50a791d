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

/// A node's value range and histogram geometry. bin(x) is monotone non-decreasing in x (a
/// rounded affine map, clamped), which the exactness argument relies on.
struct Node {
  std::uint64_t count = 0;
  long double sum_q = 0;  // exact: an int64 sum, kept as long double for the G arithmetic
  double lo = 1, hi = 0;  // binning range: contains the node's values (lo > hi: empty)
  double vmin = 1, vmax = 0;  // the values' actual min and max (from the level's histogram)
  double centroid = 0;
  double inv_width = 0;
  int bin(double x, int bins) const {
    return static_cast<int>(std::clamp((x - lo) * inv_width, 0.0, static_cast<double>(bins - 1)));
  }
  bool splittable() const { return count >= 2 && vmax > vmin; }  // >= 2 distinct values
};

/// One histogram bin while accumulating: one 24-byte record, so an update touches one cache line.
struct Bin {
  std::int64_t count = 0, sum_q = 0;
  float min = kPosInf, max = -kPosInf;
};

/// Per-node histograms of one level. Accumulated as Bin
/// records, reduced across ranks as flat arrays (count_sum, min, max).
struct LevelHist {
  int bins = 1;
  std::vector<Bin> acc;                 // accumulation (per thread, then merged)
  std::vector<std::int64_t> count_sum;  // after allreduce: per bin count, fixed-point sum
  std::vector<float> min, max;          // after allreduce: per bin
  LevelHist(int n_nodes, int bins_per_node, bool with_bins)
      : bins(bins_per_node), acc(with_bins ? static_cast<std::size_t>(n_nodes) * bins_per_node : 0) {}
  void add(const Node& nd, std::uint32_t node, double x, float xf, std::int64_t q) {
    if (acc.empty()) return;
    Bin& b = acc[static_cast<std::size_t>(node) * bins + nd.bin(x, bins)];
    b.count += 1;
    b.sum_q += q;
    b.min = std::min(b.min, xf);
    b.max = std::max(b.max, xf);
  }
  void merge(const LevelHist& o) {  // integer sums and min/max: the order does not matter
    for (std::size_t i = 0; i < acc.size(); ++i) {
      acc[i].count += o.acc[i].count;
      acc[i].sum_q += o.acc[i].sum_q;
      acc[i].min = std::min(acc[i].min, o.acc[i].min);
      acc[i].max = std::max(acc[i].max, o.acc[i].max);
    }
  }
  void allreduce(const par::Communicator& comm) {
    count_sum.resize(2 * acc.size());
    min.resize(acc.size());
    max.resize(acc.size());
    for (std::size_t i = 0; i < acc.size(); ++i) {
      count_sum[2 * i] = acc[i].count;
      count_sum[2 * i + 1] = acc[i].sum_q;
      min[i] = acc[i].min;
      max[i] = acc[i].max;
    }
    acc = {};
    comm.allreduce_sum(std::span<std::int64_t>(count_sum));
    comm.allreduce_min(std::span<float>(min));
    comm.allreduce_max(std::span<float>(max));
  }
};

/// G = S_L^2 / n_L + S_R^2 / n_R.
inline long double between(long double n, long double s, long double nl, long double sl) {
  const long double sr = s - sl, nr = n - nl;
  return sl * sl / nl + sr * sr / nr;
}

struct Element {  // a whole bin, or one gathered value
  std::uint64_t count;
  long double sum_q;
  float min, max;
};

/// What the histogram of a node says about where its optimal cut can be.
struct SplitPlan {
  int span_lo = 0, span_hi = -1;  // bins [span_lo, span_hi] are kept aside (inclusive)
  long double best_boundary = -INFINITY;
};

int bins_at(int level, const ShardedTreeParams& p) { return std::max(64, p.bins_per_level >> level); }

/// Heap-ordered thresholds of all levels so far: node m of level d is at (1 << d) - 1 + m.
inline std::uint32_t route(const double* heap, int levels, double x) {
  std::uint32_t node = 0;
  for (int d = 0; d < levels; ++d) node = node * 2 + (x > heap[(1U << d) - 1 + node] ? 1U : 0U);
  return node;
}

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
  std::vector<double> heap;  // thresholds, heap order

  std::vector<Node> nodes(1);
  nodes[0].lo = range.min;
  nodes[0].hi = range.max;
  nodes[0].count = range.count;
  auto set_geometry = [](std::vector<Node>& ns, int bins) {
    for (auto& nd : ns) nd.inv_width = nd.hi > nd.lo ? bins / (nd.hi - nd.lo) : 0.0;
  };

  // ---- pass 0: the root's histogram --------------------------------------------------------------
  set_geometry(nodes, bins_at(0, params));
  // Every level's WCSS follows from the total sum of q^2 (the same values at every level) and
  // the nodes' exact counts and sums: WCSS_l = (sum q^2 - sum_nodes S^2 / n) / scale^2. So the
  // passes below only histogram; the root pass also takes the exact sum of q^2.
  LevelHist hist(1, bins_at(0, params), true);
  cluster::ClusterStats root_stats(1);
  {
    struct RootAcc {
      LevelHist hist;
      cluster::ClusterStats stats;
    };
    tbb::enumerable_thread_specific<RootAcc> accs(
        [&] { return RootAcc{LevelHist(1, bins_at(0, params), true), cluster::ClusterStats(1)}; });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, local.size(), kGrain), [&](const auto& r) {
      RootAcc& a = accs.local();
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        const std::int64_t q = scale.quantize(local[i]);
        a.hist.add(nodes[0], 0, local[i], local[i], q);
        a.stats.add(0, q);
      }
    });
    for (const auto& a : accs) {
      hist.merge(a.hist);
      root_stats += a.stats;
    }
    hist.allreduce(comm);
    comm.allreduce_sum(root_stats.words());
    ++st.passes;
    nodes[0].sum_q = static_cast<long double>(root_stats.sum_q(0));
    nodes[0].centroid = root_stats.mean(0, scale);
  }
  const long double total_q2 = static_cast<long double>(root_stats.sum_q2(0));
  const long double inv_scale2 = 1.0L / (static_cast<long double>(scale.scale) * scale.scale);

  for (int l = 0; l < levels; ++l) {
    const int n_nodes = 1 << l;
    const int bins = hist.bins;
    const bool last = l + 1 == levels;
    // The actual value range of every node (its binning range may be wider).
    for (int c = 0; c < n_nodes; ++c) {
      Node& nd = nodes[static_cast<std::size_t>(c)];
      float mn = kPosInf, mx = -kPosInf;
      for (int b = 0; b < bins; ++b) {
        mn = std::min(mn, hist.min[static_cast<std::size_t>(c) * bins + b]);
        mx = std::max(mx, hist.max[static_cast<std::size_t>(c) * bins + b]);
      }
      nd.vmin = mn;
      nd.vmax = mx;
    }

    // ---- bound: candidate bins and the span holding the optimal cut, per node ------------------
    std::vector<std::uint8_t> candidate(static_cast<std::size_t>(n_nodes) * bins, 0);
    std::vector<SplitPlan> plan(static_cast<std::size_t>(n_nodes));
    for (int c = 0; c < n_nodes; ++c) {
      const Node& nd = nodes[static_cast<std::size_t>(c)];
      if (!nd.splittable()) continue;
      const long double N = static_cast<long double>(nd.count), S = nd.sum_q;
      const std::size_t base = static_cast<std::size_t>(c) * bins;
      auto cnt = [&](int b) { return hist.count_sum[2 * (base + b)]; };
      auto sum = [&](int b) { return static_cast<long double>(hist.count_sum[2 * (base + b) + 1]); };
      long double n_p = 0, s_p = 0, best = -INFINITY;
      for (int b = 0; b < bins; ++b) {
        if (cnt(b) == 0) continue;
        n_p += static_cast<long double>(cnt(b));
        s_p += sum(b);
        if (n_p < N) best = std::max(best, between(N, S, n_p, s_p));
      }
      const long double slack = std::isfinite(best) ? std::fabs(best) * 1e-12L : 0.0L;
      SplitPlan& sp = plan[static_cast<std::size_t>(c)];
      sp.best_boundary = best;
      sp.span_lo = bins;
      sp.span_hi = -1;
      auto include = [&](int b) {
        sp.span_lo = std::min(sp.span_lo, b);
        sp.span_hi = std::max(sp.span_hi, b);
      };
      n_p = 0;
      s_p = 0;
      int prev_nonempty = -1;
      for (int b = 0; b < bins; ++b) {
        const std::size_t i = base + b;
        const auto c_b = cnt(b);
        if (c_b == 0) continue;
        // The boundary before bin b (between prev_nonempty and b), if it is near-best.
        if (prev_nonempty >= 0 && between(N, S, n_p, s_p) >= best - slack) {
          include(prev_nonempty);
          include(b);
        }
        if (c_b >= 2 && hist.min[i] < hist.max[i]) {
          const long double qmin = static_cast<long double>(scale.quantize(hist.min[i]));
          const long double qmax = static_cast<long double>(scale.quantize(hist.max[i]));
          long double ub = -INFINITY;
          for (const long double j : {1.0L, static_cast<long double>(c_b - 1)})
            for (const long double q : {qmin, qmax}) ub = std::max(ub, between(N, S, n_p + j, s_p + j * q));
          if (!std::isfinite(best) || ub >= best - slack) {
            candidate[i] = 1;
            include(b);
          }
        }
        n_p += static_cast<long double>(c_b);
        s_p += sum(b);
        prev_nonempty = b;
      }
      RAPIDNN_ASSERT(sp.span_lo <= sp.span_hi);
    }

    // ---- children's geometry (contains their values whatever the cut inside the span) ----------
    std::vector<Node> children(static_cast<std::size_t>(2 * n_nodes));
    for (int c = 0; c < n_nodes; ++c) {
      const Node& nd = nodes[static_cast<std::size_t>(c)];
      Node& left = children[static_cast<std::size_t>(2 * c)];
      Node& right = children[static_cast<std::size_t>(2 * c + 1)];
      left = Node{};
      right = Node{};
      left.centroid = right.centroid = nd.centroid;
      if (!nd.splittable()) {  // fewer than 2 distinct values: the left child keeps everything
        left.lo = nd.lo;
        left.hi = nd.hi;
        left.count = nd.count;
        left.sum_q = nd.sum_q;
        continue;
      }
      const std::size_t base = static_cast<std::size_t>(c) * bins;
      const SplitPlan& sp = plan[static_cast<std::size_t>(c)];
      left.lo = nd.lo;
      left.hi = hist.max[base + static_cast<std::size_t>(sp.span_hi)];
      right.lo = hist.min[base + static_cast<std::size_t>(sp.span_lo)];
      right.hi = nd.hi;
    }
    const int child_bins = last ? 1 : bins_at(l + 1, params);
    set_geometry(children, child_bins);

    // ---- the pass: route, settle the values outside the spans, keep the rest aside -------------
    const double* thr = heap.data();
    struct Local {
      LevelHist hist;
      std::vector<float> kept_v;
      std::vector<std::uint32_t> kept_n;
    };
    tbb::enumerable_thread_specific<Local> accs(
        [&] { return Local{LevelHist(2 * n_nodes, child_bins, !last), {}, {}}; });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, local.size(), kGrain), [&](const auto& r) {
      Local& a = accs.local();
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        const float xf = local[i];
        const double x = xf;
        const std::uint32_t node = route(thr, l, x);
        const Node& nd = nodes[node];
        std::uint32_t child = 2 * node;
        if (nd.splittable()) {
          const int b = nd.bin(x, bins);
          const SplitPlan& sp = plan[node];
          if (b >= sp.span_lo && b <= sp.span_hi) {
            a.kept_v.push_back(xf);
            a.kept_n.push_back(node);
            continue;
          }
          child += b > sp.span_hi ? 1U : 0U;
        }
        a.hist.add(children[child], child, x, xf, scale.quantize(x));
      }
    });
    LevelHist next(2 * n_nodes, child_bins, !last);
    std::vector<float> kept_v;
    std::vector<std::uint32_t> kept_n;
    for (auto& a : accs) {
      next.merge(a.hist);
      kept_v.insert(kept_v.end(), a.kept_v.begin(), a.kept_v.end());
      kept_n.insert(kept_n.end(), a.kept_n.begin(), a.kept_n.end());
    }
    ++st.passes;

    // ---- gather the values of the candidate bins -------------------------------------------------
    std::vector<float> mine_v;
    std::vector<std::uint32_t> mine_n;
    for (std::size_t i = 0; i < kept_v.size(); ++i) {
      const std::uint32_t node = kept_n[i];
      const std::size_t b = static_cast<std::size_t>(node) * bins + nodes[node].bin(kept_v[i], bins);
      if (candidate[b] != 0) {
        mine_v.push_back(kept_v[i]);
        mine_n.push_back(node);
      }
    }
    const std::vector<float> all_v = comm.allgatherv(std::span<const float>(mine_v));
    const std::vector<std::uint32_t> all_n = comm.allgatherv(std::span<const std::uint32_t>(mine_n));
    st.gathered_values += all_v.size();
    std::vector<std::size_t> order(all_v.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return all_n[a] != all_n[b] ? all_n[a] < all_n[b] : all_v[a] < all_v[b];
    });

    // ---- exact split of every node -----------------------------------------------------------------
    std::vector<double> thresholds(static_cast<std::size_t>(n_nodes), std::numeric_limits<double>::infinity());
    std::size_t g = 0;
    std::vector<Element> seq;
    for (int c = 0; c < n_nodes; ++c) {
      const Node& nd = nodes[static_cast<std::size_t>(c)];
      Node& left = children[static_cast<std::size_t>(2 * c)];
      Node& right = children[static_cast<std::size_t>(2 * c + 1)];
      const std::size_t g_begin = g;
      while (g < order.size() && all_n[order[g]] == static_cast<std::uint32_t>(c)) ++g;
      if (!nd.splittable()) continue;
      seq.clear();
      const std::size_t base = static_cast<std::size_t>(c) * bins;
      std::size_t gi = g_begin;
      for (int b = 0; b < bins; ++b) {
        const std::size_t i = base + b;
        const auto cnt = static_cast<std::uint64_t>(hist.count_sum[2 * i]);
        if (cnt == 0) continue;
        if (candidate[i] == 0) {
          seq.push_back({cnt, static_cast<long double>(hist.count_sum[2 * i + 1]), hist.min[i], hist.max[i]});
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
      RAPIDNN_ASSERT(std::isfinite(best) && best >= plan[static_cast<std::size_t>(c)].best_boundary);
      left.count = static_cast<std::uint64_t>(best_n);
      left.sum_q = best_s;
      left.centroid = scale.to_value(best_s / best_n);
      right.count = nd.count - left.count;
      right.sum_q = S - best_s;
      right.centroid = scale.to_value((S - best_s) / (N - best_n));
      // Midpoint of the child centroids, clamped into [max_left, min_right) so that every value
      // encodes to the side it was split to.
      double t = 0.5 * (left.centroid + right.centroid);
      if (t < max_left) t = max_left;
      if (t >= min_right) t = std::nextafter(static_cast<double>(min_right), -std::numeric_limits<double>::infinity());
      thresholds[static_cast<std::size_t>(c)] = t;
    }

    // ---- the kept-aside values join their children; reduce the next level -------------------------
    for (std::size_t i = 0; i < kept_v.size(); ++i) {
      const std::uint32_t child = 2 * kept_n[i] + (kept_v[i] > thresholds[kept_n[i]] ? 1U : 0U);
      next.add(children[child], child, kept_v[i], kept_v[i], scale.quantize(kept_v[i]));
    }
    next.allreduce(comm);
    long double between_all = 0;
    for (int c = 0; c < 2 * n_nodes; ++c) {
      const Node& ch = children[static_cast<std::size_t>(c)];
      if (ch.count > 0) between_all += ch.sum_q * ch.sum_q / static_cast<long double>(ch.count);
      if (!last) {  // the reduced histogram must hold exactly the children's values
        std::int64_t n = 0, s = 0;
        for (int b = 0; b < child_bins; ++b) {
          n += next.count_sum[2 * (static_cast<std::size_t>(c) * child_bins + b)];
          s += next.count_sum[2 * (static_cast<std::size_t>(c) * child_bins + b) + 1];
        }
        RAPIDNN_ASSERT(static_cast<std::uint64_t>(n) == ch.count && static_cast<long double>(s) == ch.sum_q);
      }
    }
    tree.level_wcss.push_back(static_cast<double>(std::max(0.0L, total_q2 - between_all) * inv_scale2));
    heap.insert(heap.end(), thresholds.begin(), thresholds.end());
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
    hist = std::move(next);
  }
  if (out_stats != nullptr) *out_stats = st;
  return tree;
}

}  // namespace rapidnn::distributed
