#include "cluster/tree_codebook.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include "cluster/input_checks.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

std::size_t optimal_two_split_sorted(std::span<const double> sorted) {
  const std::size_t n = sorted.size();
  RAPIDNN_ASSERT(n >= 2 && sorted.front() < sorted.back());
  // WCSS(s) = sum y^2 - S_L(s)^2 / s - S_R(s)^2 / (n - s) with y shifted by the mean, so
  // minimising WCSS maximises gain(s) = S_L^2 / s + S_R^2 / (n - s), where S_R = -S_L.
  long double mean = 0;
  for (const double x : sorted) mean += x;
  mean /= static_cast<long double>(n);
  long double left = 0;
  long double best_gain = -1;
  std::size_t best = 0;
  for (std::size_t s = 1; s < n; ++s) {
    left += sorted[s - 1] - mean;
    if (sorted[s - 1] == sorted[s]) continue;  // never separate equal values
    const long double gain = left * left * (1.0L / static_cast<long double>(s) + 1.0L / static_cast<long double>(n - s));
    if (gain > best_gain) {
      best_gain = gain;
      best = s;
    }
  }
  RAPIDNN_ASSERT(best >= 1 && best < n);
  return best;
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

// Mean and within-SS of sorted[b, e) (two-pass, long double).
void range_stats(std::span<const double> sorted, std::size_t b, std::size_t e, double& mean, long double& ss) {
  long double sum = 0;
  for (std::size_t t = b; t < e; ++t) sum += sorted[t];
  const long double m = sum / static_cast<long double>(e - b);
  long double acc = 0;
  for (std::size_t t = b; t < e; ++t) {
    const long double d = sorted[t] - m;
    acc += d * d;
  }
  mean = static_cast<double>(m);
  ss = acc;
}

TreeCodebook build_from_sorted(std::span<const double> sorted, int levels) {
  TreeCodebook tree;
  const auto L = static_cast<std::size_t>(levels);
  tree.level_centroids.resize(L);
  tree.level_counts.resize(L);
  tree.level_wcss.resize(L);
  tree.split_thresholds.resize(L);
  // Nodes of the current level: [begin, end) ranges of the sorted values, indexed by code.
  std::vector<std::size_t> begin{0}, end{sorted.size()};
  std::vector<double> centroid(1);
  {
    long double ss;
    range_stats(sorted, 0, sorted.size(), centroid[0], ss);
  }
  for (std::size_t d = 0; d < L; ++d) {
    const std::size_t nodes = begin.size();
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
      if (e > b && sorted[b] < sorted[e - 1]) {
        const std::size_t s = b + optimal_two_split_sorted(sorted.subspan(b, e - b));
        nb[2 * c] = b; ne[2 * c] = s;
        nb[2 * c + 1] = s; ne[2 * c + 1] = e;
        long double ssl, ssr;
        range_stats(sorted, b, s, cen[2 * c], ssl);
        range_stats(sorted, s, e, cen[2 * c + 1], ssr);
        wcss += ssl + ssr;
        // Midpoint of the children, clamped so that left values <= t < right values.
        double t = 0.5 * (cen[2 * c] + cen[2 * c + 1]);
        if (!(t >= sorted[s - 1] && t < sorted[s])) t = sorted[s - 1];
        thr[c] = t;
      } else {
        // Cannot split (empty, or one distinct value): left child keeps everything, the right
        // child is an empty duplicate; encode() always descends left (threshold +inf).
        nb[2 * c] = b; ne[2 * c] = e;
        nb[2 * c + 1] = e; ne[2 * c + 1] = e;
        cen[2 * c] = cen[2 * c + 1] = centroid[c];
        if (e > b) {
          double mean;
          long double ss;
          range_stats(sorted, b, e, mean, ss);
          wcss += ss;
        }
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
  std::vector<double> sorted(values.begin(), values.end());
  if (sorted.size() > (1u << 16)) tbb::parallel_sort(sorted.begin(), sorted.end());
  else std::sort(sorted.begin(), sorted.end());
  return build_from_sorted(sorted, levels);
}

}  // namespace

TreeCodebook build_tree_codebook(std::span<const float> values, int levels) { return build_impl(values, levels); }
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
