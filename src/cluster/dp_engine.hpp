#pragma once
// The k-layer DP of exact 1-D k-means on sorted points (Wang & Song 2011; Gronlund et al. 2017):
//   D[m][i] = min_{m <= j <= i} D[m-1][j-1] + cost(j, i)   (m+1 clusters covering points 0..i).
// The matrix A_m(i, j) = D[m-1][j-1] + cost(j, i) (j <= i, +inf above the diagonal) is totally
// monotone because cost is concave Monge, so the leftmost row minima are nondecreasing in i and
// one layer is solved with SMAWK in O(n) (or divide and conquer in O(n log n), kept as a second
// exact method for cross-checking). A plain O(n^2)-per-layer DP is the reference for tests.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <tbb/parallel_invoke.h>

#include "cluster/segment_cost.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster::detail {

/// kBoundedDivideConquer (the default) uses, besides the row monotonicity J[m][i] <= J[m][i+1],
/// the layer monotonicity J[m-1][i] <= J[m][i] (the start of the last cluster does not move left
/// when one more cluster is allowed; the bound Ckmeans.1d.dp uses). A layer is first swept from
/// the last row down with the window [J[m-1][i], J[m][i+1]] (Knuth-Yao style, a few evaluations
/// per row once m is a few clusters deep); if that sweep exceeds 2 n log2 n evaluations (small m,
/// adversarial data) the layer falls back to divide and conquer with the lower bound, so the
/// worst case stays O(n log n) per layer.
enum class RowMinima { kBoundedDivideConquer, kSmawk, kDivideConquer, kQuadratic };

/// Start index of each of the k clusters of an optimal partition (starts[0] = 0).
/// Requires 1 <= k <= n (distinctness is the caller's business). Memory: (k-1)*n uint32.
template <class Cost>
std::vector<std::size_t> optimal_starts(const Cost& cost, int k, RowMinima method);

// ---------------------------------------------------------------------------------------------
namespace dp_impl {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kParallelRows = 8192;  // split D&C halves into tasks above this many rows

template <class Cost>
struct Layer {
  const Cost& cost;
  const double* prev;  // D[m-1][.]
  double* cur;         // D[m][.]
  std::uint32_t* arg;  // argmin j for each row i
  double at(std::size_t i, std::size_t j) const { return j <= i ? prev[j - 1] + cost(j, i) : kInf; }
};

// SMAWK (Aggarwal, Klawe, Moran, Shor, Wilber 1987) on rows base + stride*t, t < nrows, and the
// candidate columns `cols` (ascending). Ties keep the leftmost column: REDUCE pops only on a
// strict improvement and INTERPOLATE replaces only on a strict improvement; the +inf entries above
// the diagonal then behave like a padding that increases along the row, which keeps the matrix
// totally monotone.
template <class Cost>
void smawk(const Layer<Cost>& L, std::size_t base, std::size_t stride, std::size_t nrows,
           const std::vector<std::uint32_t>& cols, std::vector<std::vector<std::uint32_t>>& work,
           std::size_t depth) {
  if (nrows == 0) return;
  RAPIDNN_ASSERT(depth < work.size());  // pre-sized: a reallocation would invalidate `cols`
  std::vector<std::uint32_t>& s = work[depth];
  s.clear();
  // REDUCE: keep at most nrows columns that can hold a row minimum.
  for (const std::uint32_t c : cols) {
    while (!s.empty()) {
      const std::size_t r = base + stride * (s.size() - 1);
      if (L.at(r, s.back()) <= L.at(r, c)) break;
      s.pop_back();
    }
    if (s.size() < nrows) s.push_back(c);
  }
  // Odd rows recursively.
  smawk(L, base + stride, stride * 2, nrows / 2, s, work, depth + 1);
  // INTERPOLATE even rows between the minima of their odd neighbours.
  std::size_t idx = 0;
  for (std::size_t t = 0; t < nrows; t += 2) {
    const std::size_t r = base + stride * t;
    const std::uint32_t stop = t + 1 < nrows ? L.arg[base + stride * (t + 1)] : s.back();
    std::uint32_t best = s[idx];
    double best_v = L.at(r, best);
    while (s[idx] != stop) {
      ++idx;
      const double v = L.at(r, s[idx]);
      if (v < best_v) { best_v = v; best = s[idx]; }
    }
    L.arg[r] = best;
    L.cur[r] = best_v;
  }
}

// Leftmost minimum of row i over columns [jlo, jhi] (jlo <= jhi <= i): the cost's own kernel
// (SegmentCost::row_minimum, vectorised).
template <class Cost>
inline void row_minimum(const Layer<Cost>& L, std::size_t i, std::size_t jlo, std::size_t jhi) {
  const RowMin r = L.cost.row_minimum(L.prev, i, jlo, jhi);
  L.arg[i] = static_cast<std::uint32_t>(r.arg);
  L.cur[i] = r.value;
}

// Rows [ilo, ihi], columns [jlo, jhi], all inclusive; ilo <= ihi. `lower` (may be null): the
// previous layer's argmin per row, valid for rows <= lower_max_row.
template <class Cost>
void divide_conquer(const Layer<Cost>& L, std::size_t ilo, std::size_t ihi, std::size_t jlo,
                    std::size_t jhi, const std::uint32_t* lower, std::size_t lower_max_row) {
  const std::size_t mid = ilo + (ihi - ilo) / 2;
  const std::size_t jend = mid < jhi ? mid : jhi;
  std::size_t jbegin = jlo;
  if (lower != nullptr && mid <= lower_max_row && lower[mid] > jbegin) jbegin = lower[mid] < jend ? lower[mid] : jend;
  row_minimum(L, mid, jbegin, jend);
  const std::size_t best = L.arg[mid];
  auto left = [&] { if (mid > ilo) divide_conquer(L, ilo, mid - 1, jlo, best, lower, lower_max_row); };
  auto right = [&] { if (mid < ihi) divide_conquer(L, mid + 1, ihi, best, jhi, lower, lower_max_row); };
  // The two halves write disjoint rows and read only the previous layer: running them as parallel
  // tasks cannot change any result.
  if (ihi - ilo >= kParallelRows) {
    tbb::parallel_invoke(left, right);
  } else {
    left();
    right();
  }
}

}  // namespace dp_impl

template <class Cost>
std::vector<std::size_t> optimal_starts(const Cost& cost, int k, RowMinima method) {
  const std::size_t n = cost.size();
  RAPIDNN_ASSERT(k >= 1 && static_cast<std::size_t>(k) <= n);
  RAPIDNN_ASSERT(n < (std::size_t{1} << 32));
  std::vector<std::size_t> starts(static_cast<std::size_t>(k), 0);
  if (k == 1) return starts;
  const auto K = static_cast<std::size_t>(k);
  std::vector<double> prev(n), cur(n, dp_impl::kInf);
  // Layer 0: one cluster covering 0..i; rows beyond n-k are never needed.
  for (std::size_t i = 0; i + K <= n; ++i) prev[i] = cost(0, i);
  std::vector<std::uint32_t> arg((K - 1) * n);
  std::vector<std::vector<std::uint32_t>> work(64);  // recursion depth <= log2(n) + 1
  std::vector<std::uint32_t> cols;
  std::size_t predicted_sweep = std::numeric_limits<std::size_t>::max();
  for (std::size_t m = 1; m < K; ++m) {
    std::uint32_t* arg_m = arg.data() + (m - 1) * n;
    const dp_impl::Layer<Cost> L{cost, prev.data(), cur.data(), arg_m};
    // Rows that can still be followed by the remaining k-1-m clusters; the last layer only needs
    // the full prefix n-1.
    const std::size_t imin = m == K - 1 ? n - 1 : m;
    const std::size_t imax = n - K + m;
    if (m == K - 1 || method == RowMinima::kQuadratic) {
      for (std::size_t i = imin; i <= imax; ++i) {
        std::size_t best = m;
        double best_v = L.at(i, m);
        for (std::size_t j = m + 1; j <= i; ++j) {
          const double v = L.at(i, j);
          if (v < best_v) { best_v = v; best = j; }
        }
        arg_m[i] = static_cast<std::uint32_t>(best);
        cur[i] = best_v;
      }
    } else if (method == RowMinima::kDivideConquer) {
      dp_impl::divide_conquer(L, imin, imax, m, imax, nullptr, 0);
    } else if (method == RowMinima::kBoundedDivideConquer) {
      const std::uint32_t* lower = m >= 2 ? arg.data() + (m - 2) * n : nullptr;
      const std::size_t dc_cost = (imax - imin + 1) * static_cast<std::size_t>(std::bit_width(n));
      bool swept = false;
      if (lower != nullptr && predicted_sweep < dc_cost) {
        std::size_t budget = 2 * dc_cost;
        swept = true;
        for (std::size_t i = imax + 1; i-- > imin;) {
          std::size_t lo = i < imax ? lower[i] : m;  // previous layer covers rows < imax
          const std::size_t hi = i < imax ? std::min<std::size_t>(i, arg_m[i + 1]) : i;
          lo = std::clamp(lo, m, hi);
          const std::size_t width = hi - lo + 1;
          if (width > budget) { swept = false; break; }
          budget -= width;
          dp_impl::row_minimum(L, i, lo, hi);
        }
      }
      if (!swept) dp_impl::divide_conquer(L, imin, imax, m, imax, lower, imax - 1);
      // What a sweep of this layer would have cost; the next layer's sweep costs about as much
      // times (m/(m+1))^2 (window ~ i / (m (m+1)) for smooth data), so sweep there only if cheaper.
      if (lower != nullptr) {
        std::size_t sweep = imax - m + 1;
        for (std::size_t i = imin; i < imax; ++i) sweep += arg_m[i + 1] - std::min<std::size_t>(lower[i], arg_m[i + 1]);
        predicted_sweep = sweep * m * m / ((m + 1) * (m + 1));
      }
    } else {
      cols.resize(imax - m + 1);
      for (std::size_t j = m; j <= imax; ++j) cols[j - m] = static_cast<std::uint32_t>(j);
      dp_impl::smawk(L, imin, 1, imax - imin + 1, cols, work, 0);
    }
    std::swap(prev, cur);
  }
  // Backtrack from the full prefix.
  std::size_t i = n - 1;
  for (std::size_t m = K - 1; m >= 1; --m) {
    const std::size_t j = arg[(m - 1) * n + i];
    starts[m] = j;
    i = j - 1;
  }
  return starts;
}

}  // namespace rapidnn::cluster::detail
