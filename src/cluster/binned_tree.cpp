#include "cluster/binned_tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace rapidnn::cluster {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// G = S_L^2 / n_L + S_R^2 / n_R.
inline long double between(long double n, long double s, long double nl, long double sl) {
  const long double sr = s - sl, nr = n - nl;
  return sl * sl / nl + sr * sr / nr;
}

/// A bin's part inside a node: a whole unresolved bin, or a range [t0, t1) of a resolved bin's
/// sorted values.
struct BinPart {
  std::uint64_t count;
  std::int64_t sum_q;
  float min, max;
  std::uint64_t pos;  // global position of its first value
  std::size_t bin;
  bool resolved;
  std::uint64_t t0, t1;
};

struct Node {
  std::uint64_t lo = 0, hi = 0;  // global positions [lo, hi)
  std::int64_t sum_q = 0;
  double centroid = 0;
  std::uint64_t count() const { return hi - lo; }
};

struct Split {
  bool splittable = false;
  long double best = -INFINITY;
  std::uint64_t cut = 0;  // global position of the first value of the right child
  std::int64_t left_sum = 0;
  float max_left = 0, min_right = 0;
};

/// The histogram with some bins resolved into their exact (gathered) values, kept sorted with
/// prefix sums of their fixed-point values so that any part of a resolved bin is O(1).
class ResolvedOrder {
 public:
  explicit ResolvedOrder(const Histogram1D& h)
      : h_(h), map_(h.map()), prefix_(static_cast<std::size_t>(h.bins) + 1, 0),
        resolved_(static_cast<std::size_t>(h.bins), 0), begin_(static_cast<std::size_t>(h.bins) + 1, 0),
        qsum_(1, 0) {
    for (std::size_t b = 0; b < h.counts.size(); ++b) prefix_[b + 1] = prefix_[b] + h.counts[b];
  }
  std::uint64_t total() const { return prefix_.back(); }

  /// Adds the values of newly resolved bins (from all shards; any order).
  void resolve(std::span<const std::uint8_t> flags, std::vector<float> values) {
    std::sort(values.begin(), values.end());
    std::uint64_t expected = 0;
    for (std::size_t b = 0; b < flags.size(); ++b) {
      if (flags[b] == 0) continue;
      RAPIDNN_ASSERT(resolved_[b] == 0);
      resolved_[b] = 1;
      expected += h_.counts[b];
    }
    RAPIDNN_ASSERT(values.size() == expected);  // every shard sent every value of those bins
    const auto mid = static_cast<std::ptrdiff_t>(values_.size());
    values_.insert(values_.end(), values.begin(), values.end());
    std::inplace_merge(values_.begin(), values_.begin() + mid, values_.end());
    std::fill(begin_.begin(), begin_.end(), 0);
    qsum_.assign(values_.size() + 1, 0);
    for (std::size_t i = 0; i < values_.size(); ++i) {
      ++begin_[static_cast<std::size_t>(map_(values_[i])) + 1];
      qsum_[i + 1] = qsum_[i] + h_.scale.quantize(values_[i]);
    }
    for (std::size_t b = 0; b + 1 < begin_.size(); ++b) begin_[b + 1] += begin_[b];
  }

  /// Calls f(BinPart) for the bins overlapping [lo, hi), ascending.
  template <class F>
  void for_each_bin(std::uint64_t lo, std::uint64_t hi, F&& f) const {
    std::size_t b = static_cast<std::size_t>(std::upper_bound(prefix_.begin(), prefix_.end(), lo) - prefix_.begin()) - 1;
    for (; b < h_.counts.size() && prefix_[b] < hi; ++b) {
      if (h_.counts[b] == 0) continue;
      if (resolved_[b] != 0) {
        const std::uint64_t t0 = std::max(lo, prefix_[b]) - prefix_[b];
        const std::uint64_t t1 = std::min(hi, prefix_[b + 1]) - prefix_[b];
        const std::uint64_t i0 = begin_[b] + t0, i1 = begin_[b] + t1;
        f(BinPart{t1 - t0, qsum_[i1] - qsum_[i0], values_[i0], values_[i1 - 1], prefix_[b] + t0, b, true, t0, t1});
      } else {
        RAPIDNN_ASSERT(prefix_[b] >= lo && prefix_[b + 1] <= hi);  // cuts never fall inside it
        f(BinPart{h_.counts[b], h_.sums_q[b], h_.mins[b], h_.maxs[b], prefix_[b], b, false, 0, h_.counts[b]});
      }
    }
  }
  /// Value t of resolved bin b, its fixed-point value.
  float value(std::size_t b, std::uint64_t t) const { return values_[begin_[b] + t]; }
  std::int64_t q(std::size_t b, std::uint64_t t) const { return qsum_[begin_[b] + t + 1] - qsum_[begin_[b] + t]; }

 private:
  const Histogram1D& h_;
  BinMap map_;
  std::vector<std::uint64_t> prefix_;  // values in bins before b
  std::vector<std::uint8_t> resolved_;
  std::vector<float> values_;          // resolved bins' values, ascending
  std::vector<std::uint64_t> begin_;   // values_ of bins before b
  std::vector<std::int64_t> qsum_;     // prefix sums of the quantised values_
};

/// Corner bound of G over the cuts inside a part of `count` values with values in [min, max],
/// preceded by n_p values summing to s_p (G is jointly convex in (n_L, s_L)).
long double inside_bound(long double N, long double S, std::int64_t n_p, std::int64_t s_p, const BinPart& p,
                         const FixedPointScale& scale) {
  const long double qmin = static_cast<long double>(scale.quantize(p.min));
  const long double qmax = static_cast<long double>(scale.quantize(p.max));
  long double ub = -INFINITY;
  for (const long double j : {1.0L, static_cast<long double>(p.count - 1)})
    for (const long double q : {qmin, qmax})
      ub = std::max(ub, between(N, S, static_cast<long double>(n_p) + j, static_cast<long double>(s_p) + j * q));
  return ub;
}

/// The best cut of `nd`: G at every bin boundary, then inside the bins whose corner bound can
/// reach the best -- exactly for resolved bins, and unresolved ones are reported in
/// `unresolved` (the caller resolves them and asks again).
Split best_cut(const ResolvedOrder& order, const Node& nd, const FixedPointScale& scale,
               std::vector<std::size_t>& unresolved) {
  Split sp;
  if (nd.count() < 2) return sp;
  std::vector<BinPart> parts;
  order.for_each_bin(nd.lo, nd.hi, [&](const BinPart& p) { parts.push_back(p); });
  if (!(parts.back().max > parts.front().min)) return sp;  // fewer than 2 distinct values
  sp.splittable = true;
  const long double N = static_cast<long double>(nd.count()), S = static_cast<long double>(nd.sum_q);
  auto consider = [&](std::int64_t n_l, std::int64_t s_l, std::uint64_t cut, float max_left, float min_right) {
    if (!(max_left < min_right)) return;  // equal values never straddle a cut
    const long double g = between(N, S, static_cast<long double>(n_l), static_cast<long double>(s_l));
    if (g > sp.best || (g == sp.best && cut < sp.cut)) {  // ties -> the leftmost cut
      sp.best = g;
      sp.cut = cut;
      sp.left_sum = s_l;
      sp.max_left = max_left;
      sp.min_right = min_right;
    }
  };
  // Bin boundaries.
  std::vector<std::int64_t> n_before(parts.size()), s_before(parts.size());
  std::int64_t n_p = 0, s_p = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    n_before[i] = n_p;
    s_before[i] = s_p;
    if (i > 0) consider(n_p, s_p, parts[i].pos, parts[i - 1].max, parts[i].min);
    n_p += static_cast<std::int64_t>(parts[i].count);
    s_p += parts[i].sum_q;
  }
  // Inside bins that can beat the best boundary: resolved ones exactly, the others reported.
  const long double slack = std::isfinite(sp.best) ? std::fabs(sp.best) * 1e-12L : 0.0L;
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const BinPart& p = parts[i];
    if (p.count < 2 || !(p.min < p.max)) continue;
    if (std::isfinite(sp.best) && inside_bound(N, S, n_before[i], s_before[i], p, scale) < sp.best - slack) continue;
    inside.push_back(i);
  }
  for (const std::size_t i : inside) {
    const BinPart& p = parts[i];
    if (!p.resolved) {
      unresolved.push_back(p.bin);
      continue;
    }
    std::int64_t n_l = n_before[i], s_l = s_before[i];
    for (std::uint64_t t = p.t0; t + 1 < p.t1; ++t) {
      n_l += 1;
      s_l += order.q(p.bin, t);
      consider(n_l, s_l, p.pos + (t - p.t0) + 1, order.value(p.bin, t), order.value(p.bin, t + 1));
    }
  }
  return sp;
}

}  // namespace

TreeCodebook binned_tree(std::span<const float> local, const Histogram1D& h, int levels, const ValueGatherer& gather,
                         BinnedTreeReport* report) {
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= kMaxTreeLevels, InvalidArgument,
                       "binned_tree: levels must be in [1, {}], got {}", kMaxTreeLevels, levels);
  const FixedPointScale& scale = h.scale;
  const std::size_t B = static_cast<std::size_t>(h.bins);
  ResolvedOrder order(h);
  BinnedTreeReport rep;
  TreeCodebook tree;
  const long double total_q2 = static_cast<long double>(h.total_q2());
  const long double unit = static_cast<long double>(scale.scale) * scale.scale;

  std::vector<Node> nodes(1);
  nodes[0].hi = order.total();
  for (const auto s : h.sums_q) nodes[0].sum_q += s;
  nodes[0].centroid = scale.to_value(static_cast<long double>(nodes[0].sum_q) / static_cast<long double>(order.total()));

  auto resolve = [&](std::vector<std::uint8_t>& flags) {
    std::vector<float> all = gather(values_in_bins(local, h, flags));
    rep.gathered_values += all.size();
    ++rep.data_passes;
    order.resolve(flags, std::move(all));
  };
  auto split = [&](const Node& nd, const Split& sp, Node& left, Node& right) {
    left.centroid = right.centroid = nd.centroid;
    if (!sp.splittable) {  // fewer than 2 distinct values: the left child keeps everything
      left = nd;
      right.lo = right.hi = nd.hi;
      return;
    }
    left.lo = nd.lo;
    left.hi = sp.cut;
    left.sum_q = sp.left_sum;
    right.lo = sp.cut;
    right.hi = nd.hi;
    right.sum_q = nd.sum_q - sp.left_sum;
  };

  // Prediction: the tree with every cut at the best bin boundary (the histogram alone) names the
  // bins that each level's exact split will probably need; they and their neighbours (the exact
  // cuts move node boundaries by less than a bin) are resolved up front in ONE pass. The exact
  // levels below resolve whatever the prediction missed, one more pass per such level.
  {
    std::vector<std::uint8_t> flags(B, 0);
    std::vector<Node> pred = nodes;
    for (int l = 0; l < levels; ++l) {
      std::vector<Node> next(2 * pred.size());
      for (std::size_t c = 0; c < pred.size(); ++c) {
        std::vector<std::size_t> cand;
        Split sp = best_cut(order, pred[c], scale, cand);
        for (const std::size_t b : cand)
          for (std::size_t d = b == 0 ? 0 : b - 1; d <= std::min(B - 1, b + 1); ++d) flags[d] = 1;
        // A node inside one unresolved bin has no boundary to predict a cut at: keep it whole.
        if (!std::isfinite(sp.best)) sp.splittable = false;
        split(pred[c], sp, next[2 * c], next[2 * c + 1]);
      }
      pred = std::move(next);
    }
    if (std::any_of(flags.begin(), flags.end(), [](std::uint8_t f) { return f != 0; })) resolve(flags);
  }

  for (int l = 0; l < levels; ++l) {
    // Candidates the prediction missed, resolved by one more extraction pass.
    std::vector<std::size_t> cand;
    for (const Node& nd : nodes) best_cut(order, nd, scale, cand);
    if (!cand.empty()) {
      std::vector<std::uint8_t> flags(B, 0);
      for (const std::size_t b : cand) flags[b] = 1;
      resolve(flags);
    }
    std::vector<Node> children(2 * nodes.size());
    std::vector<double> thresholds(nodes.size(), kInf);
    long double between_all = 0;
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const Node& nd = nodes[c];
      std::vector<std::size_t> left_over;
      const Split sp = best_cut(order, nd, scale, left_over);
      RAPIDNN_ASSERT(left_over.empty());  // resolving only raised the best G
      Node& left = children[2 * c];
      Node& right = children[2 * c + 1];
      split(nd, sp, left, right);
      if (sp.splittable) {
        left.centroid = scale.to_value(static_cast<long double>(left.sum_q) / static_cast<long double>(left.count()));
        right.centroid =
            scale.to_value(static_cast<long double>(right.sum_q) / static_cast<long double>(right.count()));
        // Midpoint of the child centroids, clamped into [max_left, min_right) so that every value
        // encodes to the side it was split to.
        double t = 0.5 * (left.centroid + right.centroid);
        if (t < sp.max_left) t = sp.max_left;
        if (t >= sp.min_right) t = std::nextafter(static_cast<double>(sp.min_right), -kInf);
        thresholds[c] = t;
      }
      for (const Node* ch : {&left, &right})
        if (ch->count() > 0)
          between_all += static_cast<long double>(ch->sum_q) * static_cast<long double>(ch->sum_q) /
                         static_cast<long double>(ch->count());
    }
    tree.level_wcss.push_back(static_cast<double>(std::max(0.0L, total_q2 - between_all) / unit));
    tree.split_thresholds.push_back(std::move(thresholds));
    std::vector<double> cents;
    std::vector<std::uint64_t> counts;
    for (const Node& ch : children) {
      cents.push_back(ch.centroid);
      counts.push_back(ch.count());
    }
    tree.level_centroids.push_back(std::move(cents));
    tree.level_counts.push_back(std::move(counts));
    nodes = std::move(children);
  }
  if (report != nullptr) *report = rep;
  return tree;
}

}  // namespace rapidnn::cluster
