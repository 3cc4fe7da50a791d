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

/// A whole unresolved bin, or one value of a resolved bin.
struct Element {
  std::uint64_t count;
  std::int64_t sum_q;
  float min, max;
  std::uint64_t pos;  // global position of its first value
  std::size_t bin;
  bool resolved;
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

/// The histogram with some bins resolved into their exact (gathered) values.
class ResolvedOrder {
 public:
  explicit ResolvedOrder(const Histogram1D& h)
      : h_(h), map_(h.map()), prefix_(static_cast<std::size_t>(h.bins) + 1, 0),
        resolved_(static_cast<std::size_t>(h.bins), 0), begin_(static_cast<std::size_t>(h.bins) + 1, 0) {
    for (std::size_t b = 0; b < h.counts.size(); ++b) prefix_[b + 1] = prefix_[b] + h.counts[b];
  }
  std::uint64_t total() const { return prefix_.back(); }
  bool resolved(std::size_t b) const { return resolved_[b] != 0; }

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
    for (const float x : values_) ++begin_[static_cast<std::size_t>(map_(x)) + 1];
    for (std::size_t b = 0; b + 1 < begin_.size(); ++b) begin_[b + 1] += begin_[b];
  }

  /// Calls f(Element) for the elements of [lo, hi) in ascending order.
  template <class F>
  void for_each(std::uint64_t lo, std::uint64_t hi, F&& f) const {
    const FixedPointScale& scale = h_.scale;
    std::size_t b = static_cast<std::size_t>(std::upper_bound(prefix_.begin(), prefix_.end(), lo) - prefix_.begin()) - 1;
    for (; b < h_.counts.size() && prefix_[b] < hi; ++b) {
      if (h_.counts[b] == 0) continue;
      if (resolved_[b] != 0) {
        const std::uint64_t t0 = std::max(lo, prefix_[b]) - prefix_[b];
        const std::uint64_t t1 = std::min(hi, prefix_[b + 1]) - prefix_[b];
        for (std::uint64_t t = t0; t < t1; ++t) {
          const float x = values_[begin_[b] + t];
          f(Element{1, scale.quantize(x), x, x, prefix_[b] + t, b, true});
        }
      } else {
        RAPIDNN_ASSERT(prefix_[b] >= lo && prefix_[b + 1] <= hi);  // cuts never fall inside it
        f(Element{h_.counts[b], h_.sums_q[b], h_.mins[b], h_.maxs[b], prefix_[b], b, false});
      }
    }
  }

 private:
  const Histogram1D& h_;
  BinMap map_;
  std::vector<std::uint64_t> prefix_;  // values in bins before b
  std::vector<std::uint8_t> resolved_;
  std::vector<float> values_;          // resolved bins' values, ascending
  std::vector<std::uint64_t> begin_;   // values_ of bins before b
};

/// The best cut of `nd` among the element boundaries, and (if `candidates`) the unresolved bins
/// whose corner bound can reach it.
Split best_cut(const ResolvedOrder& order, const Node& nd, const FixedPointScale& scale,
               std::vector<std::size_t>* candidates) {
  Split sp;
  if (nd.count() < 2) return sp;
  float vmin = std::numeric_limits<float>::infinity(), vmax = -vmin;
  order.for_each(nd.lo, nd.hi, [&](const Element& e) {
    vmin = std::min(vmin, e.min);
    vmax = std::max(vmax, e.max);
  });
  if (!(vmax > vmin)) return sp;  // fewer than 2 distinct values
  sp.splittable = true;
  const long double N = static_cast<long double>(nd.count()), S = static_cast<long double>(nd.sum_q);
  std::int64_t n_p = 0, s_p = 0;
  float prev_max = 0;
  bool first = true;
  order.for_each(nd.lo, nd.hi, [&](const Element& e) {
    if (!first && prev_max < e.min) {  // equal values never straddle a cut
      const long double g = between(N, S, static_cast<long double>(n_p), static_cast<long double>(s_p));
      if (g > sp.best) {
        sp.best = g;
        sp.cut = e.pos;
        sp.left_sum = s_p;
        sp.max_left = prev_max;
        sp.min_right = e.min;
      }
    }
    first = false;
    n_p += static_cast<std::int64_t>(e.count);
    s_p += e.sum_q;
    prev_max = e.max;
  });
  if (candidates == nullptr) return sp;
  const long double slack = std::isfinite(sp.best) ? std::fabs(sp.best) * 1e-12L : 0.0L;
  n_p = 0;
  s_p = 0;
  order.for_each(nd.lo, nd.hi, [&](const Element& e) {
    if (!e.resolved && e.count >= 2 && e.min < e.max) {
      const long double qmin = static_cast<long double>(scale.quantize(e.min));
      const long double qmax = static_cast<long double>(scale.quantize(e.max));
      long double ub = -INFINITY;
      for (const long double j : {1.0L, static_cast<long double>(e.count - 1)})
        for (const long double q : {qmin, qmax})
          ub = std::max(ub, between(N, S, static_cast<long double>(n_p) + j, static_cast<long double>(s_p) + j * q));
      if (!std::isfinite(sp.best) || ub >= sp.best - slack) candidates->push_back(e.bin);
    }
    n_p += static_cast<std::int64_t>(e.count);
    s_p += e.sum_q;
  });
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

  for (int l = 0; l < levels; ++l) {
    // Candidates of every node of the level, resolved by one extraction pass.
    std::vector<std::size_t> cand;
    for (const Node& nd : nodes) best_cut(order, nd, scale, &cand);
    if (!cand.empty()) {
      std::vector<std::uint8_t> flags(B, 0);
      for (const std::size_t b : cand) flags[b] = 1;
      std::vector<float> all = gather(values_in_bins(local, h, flags));
      rep.gathered_values += all.size();
      ++rep.data_passes;
      order.resolve(flags, std::move(all));
    }
    std::vector<Node> children(2 * nodes.size());
    std::vector<double> thresholds(nodes.size(), kInf);
    long double between_all = 0;
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const Node& nd = nodes[c];
      std::vector<std::size_t> left_over;
      const Split sp = best_cut(order, nd, scale, &left_over);
      RAPIDNN_ASSERT(left_over.empty());  // resolving only raised the best G
      Node& left = children[2 * c];
      Node& right = children[2 * c + 1];
      left.centroid = right.centroid = nd.centroid;
      if (!sp.splittable) {  // fewer than 2 distinct values: the left child keeps everything
        left = nd;
        right.lo = right.hi = nd.hi;
      } else {
        left.lo = nd.lo;
        left.hi = sp.cut;
        left.sum_q = sp.left_sum;
        right.lo = sp.cut;
        right.hi = nd.hi;
        right.sum_q = nd.sum_q - sp.left_sum;
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
