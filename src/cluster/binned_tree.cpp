#include "cluster/binned_tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>

#include "core/error.hpp"

namespace rapidnn::cluster {

ShardReductions ShardReductions::identity() {
  ShardReductions r;
  r.sum = [](std::span<std::int64_t>) {};
  r.min = [](std::span<float>) {};
  r.max = [](std::span<float>) {};
  r.gather = [](std::span<const float> v) { return std::vector<float>(v.begin(), v.end()); };
  return r;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kPosInf = std::numeric_limits<float>::infinity();

/// The sub-bins of a refined bin: equal ranges of x over the bin's [min, max] (a rounded affine
/// map, clamped, truncated; monotone non-decreasing in x).
struct SubBinMap {
  double lo = 0, inv = 0, top = 0;
  int operator()(double x) const {
    double t = (x - lo) * inv;
    t = t < 0 ? 0 : (t > top ? top : t);
    return static_cast<int>(t);
  }
};

/// G = S_L^2 / n_L + S_R^2 / n_R.
inline long double between(long double n, long double s, long double nl, long double sl) {
  const long double sr = s - sl, nr = n - nl;
  return sl * sl / nl + sr * sr / nr;
}

/// A run of the sorted values: a bin, a sub-bin of a refined bin, either of them resolved.
struct Cell {
  std::uint64_t count = 0;
  std::int64_t sum_q = 0;
  float min = kPosInf, max = -kPosInf;
  std::uint32_t bin = 0;       // top-level histogram bin
  bool sub = false;            // a sub-bin of a refined bin
  bool resolved = false;
  std::uint64_t vbegin = 0;    // resolved: index of its first value in CellOrder::values_
};

/// A cell's part inside a node: all of an unresolved cell, or values [t0, t1) of a resolved one.
struct Part {
  std::uint64_t count;
  std::int64_t sum_q;
  float min, max;
  std::uint64_t pos;  // global position of its first value
  std::size_t cell;
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

/// The values of one problem in ascending order as cells, refined and resolved on demand.
class CellOrder {
 public:
  CellOrder(const Histogram1D& h, const BinnedTreeParams& params)
      : h_(h), map_(h.map()), params_(params), refinement_(static_cast<std::size_t>(h.bins), -1) {
    for (std::size_t b = 0; b < h.counts.size(); ++b) {
      if (h.counts[b] == 0) continue;
      Cell c;
      c.count = h.counts[b];
      c.sum_q = h.sums_q[b];
      c.min = h.mins[b];
      c.max = h.maxs[b];
      c.bin = static_cast<std::uint32_t>(b);
      cells_.push_back(c);
    }
    reindex();
  }

  std::uint64_t total() const { return pos_.back(); }
  std::size_t cells() const { return cells_.size(); }
  const Cell& cell(std::size_t i) const { return cells_[i]; }

  /// Calls f(Part) for the cells overlapping [lo, hi), ascending.
  template <class F>
  void for_each_part(std::uint64_t lo, std::uint64_t hi, F&& f) const {
    std::size_t i = static_cast<std::size_t>(std::upper_bound(pos_.begin(), pos_.end(), lo) - pos_.begin()) - 1;
    for (; i < cells_.size() && pos_[i] < hi; ++i) {
      const Cell& c = cells_[i];
      if (c.resolved) {
        const std::uint64_t t0 = std::max(lo, pos_[i]) - pos_[i], t1 = std::min(hi, pos_[i + 1]) - pos_[i];
        const std::uint64_t i0 = c.vbegin + t0, i1 = c.vbegin + t1;
        f(Part{t1 - t0, qsum_[i1] - qsum_[i0], values_[i0], values_[i1 - 1], pos_[i] + t0, i, t0, t1});
      } else {
        RAPIDNN_ASSERT(pos_[i] >= lo && pos_[i + 1] <= hi);  // cuts never fall inside it
        f(Part{c.count, c.sum_q, c.min, c.max, pos_[i], i, 0, c.count});
      }
    }
  }
  float value(std::size_t cell, std::uint64_t t) const { return values_[cells_[cell].vbegin + t]; }
  std::int64_t q(std::size_t cell, std::uint64_t t) const {
    const std::uint64_t i = cells_[cell].vbegin + t;
    return qsum_[i + 1] - qsum_[i];
  }

  /// One pass over this shard's values: sub-histograms of the bins in `refine` (top-level bin
  /// indices, unrefined) and the values of the cells in `resolve` (cell indices), combined over the
  /// shards. Returns the number of values collected.
  std::uint64_t pass(std::span<const float> local, const std::vector<std::uint32_t>& refine,
                     const std::vector<std::size_t>& resolve, const ShardReductions& comm) {
    const auto S = static_cast<std::size_t>(params_.refine_bins);
    std::vector<std::int32_t> slot(h_.counts.size(), -1);  // refined bin -> its slot in the arrays
    std::vector<SubBinMap> sub(refine.size());
    for (std::size_t r = 0; r < refine.size(); ++r) {
      const std::uint32_t b = refine[r];
      RAPIDNN_ASSERT(refinement_[b] < 0);
      slot[b] = static_cast<std::int32_t>(r);
      const double lo = h_.mins[b], width = static_cast<double>(h_.maxs[b]) - lo;
      sub[r] = SubBinMap{lo, width > 0 ? static_cast<double>(S) / width : 0.0, static_cast<double>(S - 1)};
    }
    // What a value's bin asks for: 0 nothing, 1 refine (slot), 2 collect (its unrefined cell is
    // resolved now), 3 look at its sub-bin (a refined bin with sub-cells to resolve).
    std::vector<std::uint8_t> action(h_.counts.size(), 0), want(cells_.size(), 0);
    for (const std::uint32_t b : refine) action[b] = 1;
    for (const std::size_t c : resolve) {
      want[c] = 1;
      action[cells_[c].bin] = cells_[c].sub ? 3 : 2;
    }
    struct Local {
      std::vector<std::int64_t> words;  // per slot and sub-bin: count, sum
      std::vector<float> min, max;
      std::vector<float> picked;
    };
    const std::size_t R = refine.size();
    tbb::combinable<Local> acc([&] {
      return Local{std::vector<std::int64_t>(2 * R * S, 0), std::vector<float>(R * S, kPosInf),
                   std::vector<float>(R * S, -kPosInf), {}};
    });
    const FixedPointScale scale = h_.scale;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, local.size(), std::size_t{1} << 16), [&](const auto& rg) {
      Local& a = acc.local();
      constexpr std::size_t kChunk = 4096;
      std::int32_t bins[kChunk];
      for (std::size_t c0 = rg.begin(); c0 < rg.end(); c0 += kChunk) {
        const std::size_t n = std::min(kChunk, rg.end() - c0);
        bins_of(local.subspan(c0, n), map_, bins);
        for (std::size_t j = 0; j < n; ++j) {
          const auto b = static_cast<std::size_t>(bins[j]);
          const std::uint8_t act = action[b];
          if (act == 0) continue;
          const float x = local[c0 + j];
          if (act == 1) {
            const auto r = static_cast<std::size_t>(slot[b]);
            const std::size_t k = r * S + static_cast<std::size_t>(sub[r](x));
            a.words[2 * k] += 1;
            a.words[2 * k + 1] += scale.quantize(x);
            a.min[k] = std::min(a.min[k], x);
            a.max[k] = std::max(a.max[k], x);
          } else if (act == 2 || want[cell_of(x, b)] != 0) {
            a.picked.push_back(x);
          }
        }
      }
    });
    Local all{std::vector<std::int64_t>(2 * R * S, 0), std::vector<float>(R * S, kPosInf),
              std::vector<float>(R * S, -kPosInf), {}};
    acc.combine_each([&](const Local& a) {  // integer sums and min/max: any order
      for (std::size_t k = 0; k < all.words.size(); ++k) all.words[k] += a.words[k];
      for (std::size_t k = 0; k < all.min.size(); ++k) {
        all.min[k] = std::min(all.min[k], a.min[k]);
        all.max[k] = std::max(all.max[k], a.max[k]);
      }
      all.picked.insert(all.picked.end(), a.picked.begin(), a.picked.end());
    });
    comm.sum(all.words);
    comm.min(all.min);
    comm.max(all.max);
    std::vector<float> got = comm.gather(all.picked);

    // Resolve first (cell indices refer to the cells before refinement), then refine.
    std::sort(got.begin(), got.end());
    std::uint64_t expected = 0;
    for (const std::size_t c : resolve) {
      RAPIDNN_ASSERT(!cells_[c].resolved);
      cells_[c].resolved = true;
      expected += cells_[c].count;
    }
    RAPIDNN_ASSERT(got.size() == expected);  // every shard sent every value of those cells
    const auto mid = static_cast<std::ptrdiff_t>(values_.size());
    values_.insert(values_.end(), got.begin(), got.end());
    std::inplace_merge(values_.begin(), values_.begin() + mid, values_.end());

    if (R > 0) {
      std::vector<Cell> next;
      next.reserve(cells_.size() + R * S);
      for (const Cell& c : cells_) {
        if (c.sub || slot[c.bin] < 0) {
          next.push_back(c);
          continue;
        }
        const auto r = static_cast<std::size_t>(slot[c.bin]);
        std::uint64_t n = 0;
        for (std::size_t s = 0; s < S; ++s) {
          const std::size_t k = r * S + s;
          if (all.words[2 * k] == 0) continue;
          Cell sc;
          sc.count = static_cast<std::uint64_t>(all.words[2 * k]);
          sc.sum_q = all.words[2 * k + 1];
          sc.min = all.min[k];
          sc.max = all.max[k];
          sc.bin = c.bin;
          sc.sub = true;
          next.push_back(sc);
          n += sc.count;
        }
        RAPIDNN_ASSERT(n == c.count);  // the sub-bins hold exactly the bin's values
      }
      cells_ = std::move(next);
      for (std::size_t r = 0; r < R; ++r) {
        refinement_[refine[r]] = static_cast<std::int32_t>(sub_maps_.size());
        sub_maps_.push_back(sub[r]);
      }
    }
    reindex();
    return got.size();
  }

 private:
  /// The cell of value x in top-level bin b (x is one of the problem's values).
  std::size_t cell_of(float x, std::size_t b) const {
    const std::int32_t r = refinement_[b];
    if (r < 0) return static_cast<std::size_t>(first_cell_[b]);
    const auto& t = sub_cells_[static_cast<std::size_t>(r)];
    return static_cast<std::size_t>(t[static_cast<std::size_t>(sub_maps_[static_cast<std::size_t>(r)](x))]);
  }

  /// Positions, value offsets and the value -> cell tables after cells_ changed.
  void reindex() {
    pos_.assign(cells_.size() + 1, 0);
    for (std::size_t i = 0; i < cells_.size(); ++i) pos_[i + 1] = pos_[i] + cells_[i].count;
    first_cell_.assign(h_.counts.size(), -1);
    sub_cells_.assign(sub_maps_.size(), std::vector<std::int32_t>(static_cast<std::size_t>(params_.refine_bins), -1));
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      Cell& c = cells_[i];
      if (first_cell_[c.bin] < 0) first_cell_[c.bin] = static_cast<std::int32_t>(i);
      if (c.sub) {
        const auto r = static_cast<std::size_t>(refinement_[c.bin]);
        sub_cells_[r][static_cast<std::size_t>(sub_maps_[r](c.min))] = static_cast<std::int32_t>(i);
      }
      if (c.resolved) {
        c.vbegin = v;
        v += c.count;
      }
    }
    RAPIDNN_ASSERT(v == values_.size());
    qsum_.assign(values_.size() + 1, 0);
    for (std::size_t i = 0; i < values_.size(); ++i) qsum_[i + 1] = qsum_[i] + h_.scale.quantize(values_[i]);
  }

  const Histogram1D& h_;
  BinMap map_;
  BinnedTreeParams params_;
  std::vector<Cell> cells_;
  std::vector<std::uint64_t> pos_;                  // values before cell i
  std::vector<std::int32_t> first_cell_;            // per bin: its first cell (-1: empty)
  std::vector<std::int32_t> refinement_;            // per bin: index into sub_maps_ (-1: not refined)
  std::vector<SubBinMap> sub_maps_;
  std::vector<std::vector<std::int32_t>> sub_cells_;  // per refinement: sub-bin -> cell
  std::vector<float> values_;                       // resolved cells' values, ascending
  std::vector<std::int64_t> qsum_;                  // prefix sums of the quantised values_
};

/// Corner bound of G over the cuts inside a part of `count` values in [min, max], preceded by n_p
/// values summing to s_p (G is jointly convex in (n_L, s_L)).
long double inside_bound(long double N, long double S, std::int64_t n_p, std::int64_t s_p, const Part& p,
                         const FixedPointScale& scale) {
  const long double qmin = static_cast<long double>(scale.quantize(p.min));
  const long double qmax = static_cast<long double>(scale.quantize(p.max));
  long double ub = -INFINITY;
  for (const long double j : {1.0L, static_cast<long double>(p.count - 1)})
    for (const long double q : {qmin, qmax})
      ub = std::max(ub, between(N, S, static_cast<long double>(n_p) + j, static_cast<long double>(s_p) + j * q));
  return ub;
}

/// The best cut of `nd`: G at every cell edge, then inside the cells whose corner bound can reach
/// the best -- exactly for resolved cells; unresolved ones are appended to `open` (the caller
/// refines or resolves them and asks again).
Split best_cut(const CellOrder& order, const Node& nd, const FixedPointScale& scale, std::vector<std::size_t>& open) {
  Split sp;
  if (nd.count() < 2) return sp;
  std::vector<Part> parts;
  order.for_each_part(nd.lo, nd.hi, [&](const Part& p) { parts.push_back(p); });
  if (parts.empty() || !(parts.back().max > parts.front().min)) return sp;  // < 2 distinct values
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
  std::vector<std::int64_t> n_before(parts.size()), s_before(parts.size());
  std::int64_t n_p = 0, s_p = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    n_before[i] = n_p;
    s_before[i] = s_p;
    if (i > 0) consider(n_p, s_p, parts[i].pos, parts[i - 1].max, parts[i].min);
    n_p += static_cast<std::int64_t>(parts[i].count);
    s_p += parts[i].sum_q;
  }
  const long double slack = std::isfinite(sp.best) ? std::fabs(sp.best) * 1e-12L : 0.0L;
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    if (p.count < 2 || !(p.min < p.max)) continue;
    if (std::isfinite(sp.best) && inside_bound(N, S, n_before[i], s_before[i], p, scale) < sp.best - slack) continue;
    inside.push_back(i);
  }
  for (const std::size_t i : inside) {
    const Part& p = parts[i];
    if (!order.cell(p.cell).resolved) {
      open.push_back(p.cell);
      continue;
    }
    std::int64_t n_l = n_before[i], s_l = s_before[i];
    for (std::uint64_t t = p.t0; t + 1 < p.t1; ++t) {
      n_l += 1;
      s_l += order.q(p.cell, t);
      consider(n_l, s_l, p.pos + (t - p.t0) + 1, order.value(p.cell, t), order.value(p.cell, t + 1));
    }
  }
  return sp;
}

void split_node(const Node& nd, const Split& sp, Node& left, Node& right) {
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
}

}  // namespace

TreeCodebook binned_tree(std::span<const float> local, const Histogram1D& h, int levels, const ShardReductions& comm,
                         const BinnedTreeParams& params, BinnedTreeReport* report) {
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= kMaxTreeLevels, InvalidArgument,
                       "binned_tree: levels must be in [1, {}], got {}", kMaxTreeLevels, levels);
  RAPIDNN_THROW_IF_NOT(params.refine_bins >= 2 && params.gather_below >= 1, InvalidArgument,
                       "binned_tree: refine_bins must be >= 2 and gather_below >= 1, got {} and {}",
                       params.refine_bins, params.gather_below);
  // The in-bin bounds and the sub-bins need each bin's [min, max].
  RAPIDNN_THROW_IF_NOT(h.has_extrema(), InvalidArgument,
                       "binned_tree: the histogram has no per-bin min/max; build it with BinExtrema::kKeep");
  const FixedPointScale& scale = h.scale;
  CellOrder order(h, params);
  BinnedTreeReport rep;
  TreeCodebook tree;
  const long double total_q2 = static_cast<long double>(h.total_q2());
  const long double unit = static_cast<long double>(scale.scale) * scale.scale;

  std::vector<Node> root(1);
  root[0].hi = order.total();
  for (const auto s : h.sums_q) root[0].sum_q += s;
  root[0].centroid = scale.to_value(static_cast<long double>(root[0].sum_q) / static_cast<long double>(order.total()));

  // Open candidate cells -> one pass: big top-level bins are refined, the others resolved.
  auto open_cells = [&](const std::vector<std::size_t>& open) {
    std::vector<std::uint32_t> refine;
    std::vector<std::size_t> resolve;
    std::vector<std::size_t> sorted(open);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const std::size_t c : sorted) {
      const Cell& cell = order.cell(c);
      if (cell.resolved || cell.count < 2 || !(cell.min < cell.max)) continue;  // nothing to cut inside
      if (cell.count > static_cast<std::uint64_t>(params.gather_below) && !cell.sub) refine.push_back(cell.bin);
      else resolve.push_back(c);
    }
    if (refine.empty() && resolve.empty()) return;
    rep.gathered_values += order.pass(local, refine, resolve, comm);
    rep.refined_bins += refine.size();
    ++rep.data_passes;
  };
  // The cells a tree cut at the best cell edges would open, with their neighbours (the exact
  // cuts move node boundaries by less than a cell).
  auto predicted_open = [&](std::size_t reach) {
    std::vector<std::size_t> open;
    std::vector<Node> nodes = root;
    for (int l = 0; l < levels; ++l) {
      std::vector<Node> next(2 * nodes.size());
      for (std::size_t c = 0; c < nodes.size(); ++c) {
        std::vector<std::size_t> cand;
        Split sp = best_cut(order, nodes[c], scale, cand);
        for (const std::size_t cell : cand)
          for (std::size_t d = cell >= reach ? cell - reach : 0; d <= std::min(order.cells() - 1, cell + reach); ++d)
            open.push_back(d);
        // A node inside one unresolved cell has no edge to predict a cut at: keep it whole.
        if (!std::isfinite(sp.best)) sp.splittable = false;
        split_node(nodes[c], sp, next[2 * c], next[2 * c + 1]);
      }
      nodes = std::move(next);
    }
    return open;
  };
  // Two predicted rounds: refine the big candidate bins (and resolve small ones), then resolve
  // the candidate sub-bins.
  // Sub-cells are narrow, so the second round takes more neighbours.
  open_cells(predicted_open(1));
  open_cells(predicted_open(3));

  std::vector<Node> nodes = root;
  for (int l = 0; l < levels; ++l) {
    // Whatever the prediction missed: open it until no candidate is left (a refined bin needs
    // one more pass for its sub-bins).
    for (;;) {
      std::vector<std::size_t> open;
      for (const Node& nd : nodes) best_cut(order, nd, scale, open);
      if (open.empty()) break;
      open_cells(open);
    }
    std::vector<Node> children(2 * nodes.size());
    std::vector<double> thresholds(nodes.size(), kInf);
    long double between_all = 0;
    for (std::size_t c = 0; c < nodes.size(); ++c) {
      const Node& nd = nodes[c];
      std::vector<std::size_t> left_over;
      const Split sp = best_cut(order, nd, scale, left_over);
      RAPIDNN_ASSERT(left_over.empty());
      Node& left = children[2 * c];
      Node& right = children[2 * c + 1];
      split_node(nd, sp, left, right);
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
