#include "cluster/tree_codebook.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include <tbb/parallel_for.h>

#include "cluster/input_checks.hpp"
#include "cluster/sort_values.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

namespace {

// Kahan-compensated running sum in double: as accurate as long double here, but vectorisable-speed
// scalar code instead of x87.
struct Kahan {
  double sum = 0, c = 0;
  void add(double x) {
    const double y = x - c;
    const double t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
};

// Everything a split needs from one node [b, e) of the sorted values, in two passes.
struct NodeSplit {
  double mean = 0;        // node mean
  double ss = 0;          // node within-SS
  std::size_t cut = 0;    // 0: cannot split; else the left child is [b, b + cut)
  double left_mean = 0, right_mean = 0, left_ss = 0, right_ss = 0;
};

// Sums are taken in blocks: a short plain-double running sum inside a block (its rounding error
// is ~ block * eps relative to the block's own sum), and the block totals in a compensated sum.
// That is as accurate as long double here and keeps the dependency chains at one double add per
// element, so the scan of fc6's ~103M sorted weights takes a fraction of a second.
constexpr std::size_t kBlock = 1024;

template <class T>
double compensated_sum(std::span<const T> x) {
  Kahan total;
  for (std::size_t b = 0; b < x.size(); b += kBlock) {
    const std::size_t e = std::min(x.size(), b + kBlock);
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    std::size_t i = b;
    for (; i + 4 <= e; i += 4) {
      a0 += x[i];
      a1 += x[i + 1];
      a2 += x[i + 2];
      a3 += x[i + 3];
    }
    for (; i < e; ++i) a0 += x[i];
    total.add((a0 + a1) + (a2 + a3));
  }
  return total.sum;
}

template <class T>
NodeSplit split_node(std::span<const T> x) {
  NodeSplit r;
  const std::size_t n = x.size();
  if (n == 0) return r;
  r.mean = compensated_sum(x) / static_cast<double>(n);
  // y = x - mean. WCSS(cut s) = sum y^2 - L^2/s - R^2/(n-s) with L + R = sum y ~ 0, so the best
  // cut maximises L^2 * n / (s (n - s)); compared by cross-multiplication (no division per cut).
  Kahan base, base_sq;  // sums of y and y^2 over the finished blocks
  double best_l2 = -1, best_den = 1, best_left = 0, best_left_sq = 0;
  std::size_t best = 0;
  for (std::size_t b = 0; b < n; b += kBlock) {
    const std::size_t e = std::min(n, b + kBlock);
    double local = 0, local_sq = 0;
    for (std::size_t s = b + 1; s <= e; ++s) {
      const double y = static_cast<double>(x[s - 1]) - r.mean;
      local += y;
      local_sq += y * y;
      if (s == n || x[s - 1] == x[s]) continue;  // never separate equal values
      const double left = base.sum + local;
      const double l2 = left * left;
      const double den = static_cast<double>(s) * static_cast<double>(n - s);
      if (l2 * best_den > best_l2 * den) {
        best_l2 = l2;
        best_den = den;
        best = s;
        best_left = left;
        best_left_sq = base_sq.sum + local_sq;
      }
    }
    base.add(local);
    base_sq.add(local_sq);
  }
  const double sum_y = base.sum, sum_y2 = base_sq.sum;
  r.ss = std::max(0.0, sum_y2 - sum_y * sum_y / static_cast<double>(n));
  if (best == 0) return r;  // one distinct value
  const double nl = static_cast<double>(best), nr = static_cast<double>(n - best);
  const double right = sum_y - best_left, right_sq = sum_y2 - best_left_sq;
  r.cut = best;
  r.left_mean = r.mean + best_left / nl;
  r.right_mean = r.mean + right / nr;
  r.left_ss = std::max(0.0, best_left_sq - best_left * best_left / nl);
  r.right_ss = std::max(0.0, right_sq - right * right / nr);
  return r;
}

}  // namespace

std::size_t optimal_two_split_sorted(std::span<const double> sorted) {
  RAPIDNN_ASSERT(sorted.size() >= 2 && sorted.front() < sorted.back());
  const NodeSplit r = split_node(sorted);
  RAPIDNN_ASSERT(r.cut >= 1 && r.cut < sorted.size());
  return r.cut;
}

const std::vector<double>& TreeCodebook::level(int l) const {
  RAPIDNN_THROW_IF_NOT(l >= 1 && l <= levels(), InvalidArgument,
                       "TreeCodebook: level {} out of range 1..{}", l, levels());
  return level_centroids[static_cast<std::size_t>(l - 1)];
}

std::vector<double> TreeCodebook::distinct_level(int l) const {
  std::vector<double> v = level(l);
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::uint32_t TreeCodebook::encode(double x, int l) const {
  RAPIDNN_THROW_IF_NOT(l >= 1 && l <= levels(), InvalidArgument,
                       "TreeCodebook: level {} out of range 1..{}", l, levels());
  std::uint32_t code = 0;
  for (int d = 0; d < l; ++d) {
    const double t = split_thresholds[static_cast<std::size_t>(d)][code];
    code = code * 2 + (x > t ? 1u : 0u);
  }
  return code;
}

double TreeCodebook::decode(std::uint32_t code, int l) const {
  const auto& v = level(l);
  RAPIDNN_THROW_IF_NOT(code < v.size(), InvalidArgument, "TreeCodebook: code {} out of range for level {} ({} slots)",
                       code, l, v.size());
  return v[code];
}

namespace {

constexpr std::string_view kWhat = "build_tree_codebook";

template <class T>
TreeCodebook build_from_sorted(std::span<const T> sorted, int levels) {
  TreeCodebook tree;
  const auto L = static_cast<std::size_t>(levels);
  tree.level_centroids.resize(L);
  tree.level_counts.resize(L);
  tree.level_wcss.resize(L);
  tree.split_thresholds.resize(L);
  // Nodes of the current level: [begin, end) ranges of the sorted values, indexed by code.
  std::vector<std::size_t> begin{0}, end{sorted.size()};
  std::vector<double> centroid{split_node(sorted).mean};
  for (std::size_t d = 0; d < L; ++d) {
    const std::size_t nodes = begin.size();
    std::vector<NodeSplit> splits(nodes);
    // Nodes are independent: split them in parallel (big nodes near the root run alone anyway).
    tbb::parallel_for(std::size_t{0}, nodes, [&](std::size_t c) {
      splits[c] = split_node(sorted.subspan(begin[c], end[c] - begin[c]));
    });
    std::vector<std::size_t> nb(2 * nodes), ne(2 * nodes);
    std::vector<double>& thr = tree.split_thresholds[d];
    std::vector<double>& cen = tree.level_centroids[d];
    std::vector<std::uint64_t>& cnt = tree.level_counts[d];
    thr.assign(nodes, std::numeric_limits<double>::infinity());
    cen.resize(2 * nodes);
    cnt.resize(2 * nodes);
    long double wcss = 0;
    for (std::size_t c = 0; c < nodes; ++c) {
      const std::size_t b = begin[c], e = end[c];
      const NodeSplit& sp = splits[c];
      if (sp.cut > 0) {
        const std::size_t s = b + sp.cut;
        nb[2 * c] = b; ne[2 * c] = s;
        nb[2 * c + 1] = s; ne[2 * c + 1] = e;
        cen[2 * c] = sp.left_mean;
        cen[2 * c + 1] = sp.right_mean;
        wcss += static_cast<long double>(sp.left_ss) + sp.right_ss;
        // Midpoint of the children, clamped so that left values <= t < right values.
        const double lmax = sorted[s - 1], rmin = sorted[s];
        double t = 0.5 * (cen[2 * c] + cen[2 * c + 1]);
        if (!(t >= lmax && t < rmin)) t = lmax;
        thr[c] = t;
      } else {
        // Cannot split (empty, or one distinct value): left child keeps everything, the right
        // child is an empty duplicate; encode() always descends left (threshold +inf).
        nb[2 * c] = b; ne[2 * c] = e;
        nb[2 * c + 1] = e; ne[2 * c + 1] = e;
        cen[2 * c] = cen[2 * c + 1] = centroid[c];
        wcss += sp.ss;
      }
      cnt[2 * c] = ne[2 * c] - nb[2 * c];
      cnt[2 * c + 1] = ne[2 * c + 1] - nb[2 * c + 1];
    }
    tree.level_wcss[d] = static_cast<double>(wcss);
    begin = std::move(nb);
    end = std::move(ne);
    centroid = cen;
  }
  return tree;
}

template <class T>
TreeCodebook build_impl(std::span<const T> values, int levels) {
  detail::check_not_empty(values.size(), kWhat);
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= kMaxTreeLevels, InvalidArgument,
                       "{}: levels must be in 1..{}, got {}", kWhat, kMaxTreeLevels, levels);
  detail::check_finite(values, kWhat);
  const auto sorted = sorted_copy(values);  // float input stays float: half the memory for fc6
  detail::check_magnitude(sorted.front(), sorted.back(), kWhat);
  return build_from_sorted(std::span<const T>(sorted), levels);
}

}  // namespace

TreeCodebook build_tree_codebook(std::span<const float> values, int levels) { return build_impl(values, levels); }
TreeCodebook build_tree_codebook_sorted(std::span<const double> sorted, int levels) {
  detail::check_not_empty(sorted.size(), kWhat);
  RAPIDNN_THROW_IF_NOT(levels >= 1 && levels <= kMaxTreeLevels, InvalidArgument,
                       "{}: levels must be in 1..{}, got {}", kWhat, kMaxTreeLevels, levels);
  RAPIDNN_ASSERT(std::is_sorted(sorted.begin(), sorted.end()));
  detail::check_finite(sorted, kWhat);
  detail::check_magnitude(sorted.front(), sorted.back(), kWhat);
  return build_from_sorted(sorted, levels);
}
TreeCodebook build_tree_codebook(std::span<const double> values, int levels) { return build_impl(values, levels); }

std::vector<TreeCodebook> build_tree_codebook_batch(std::span<const std::span<const float>> problems, int levels) {
  std::vector<TreeCodebook> out(problems.size());
  std::vector<std::exception_ptr> errors(problems.size());
  tbb::parallel_for(std::size_t{0}, problems.size(), [&](std::size_t i) {
    try {
      out[i] = build_tree_codebook(problems[i], levels);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i]) continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("problem {}: {}", i, e.what()));
    }
  }
  return out;
}

}  // namespace rapidnn::cluster
