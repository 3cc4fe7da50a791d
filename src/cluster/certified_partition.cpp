#include "cluster/certified_partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cluster/dp_engine.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kCoarseCellsPerCluster = 8;
constexpr double kCandidateReach = 0.5;  // the candidate pass: cuts move half-way to their neighbours
constexpr int kMaxLambdaSteps = 12;

/// Cost of the partition given by starts (+ implicit end n), summed in long double.
template <class Cost>
double partition_cost(const Cost& cost, std::span<const std::size_t> starts, std::size_t n) {
  long double total = 0;
  for (std::size_t c = 0; c < starts.size(); ++c) total += cost(starts[c], (c + 1 < starts.size() ? starts[c + 1] : n) - 1);
  return static_cast<double>(total);
}

/// Initial cuts from the exact DP on the occupied cells of an equal-width grid.
template <bool kWeighted>
std::vector<std::size_t> coarse_starts(std::span<const double> points, std::span<const double> weights, int k) {
  const std::size_t n = points.size();
  const auto K = static_cast<std::size_t>(k);
  const double x0 = points.front(), width = points.back() - points.front();
  const int cells = kCoarseCellsPerCluster * k;
  const double inv = width > 0 ? cells / width : 0.0;
  std::vector<std::size_t> group_start;
  std::vector<double> means, mass;
  int current = -1;
  for (std::size_t t = 0; t < n; ++t) {
    double c = (points[t] - x0) * inv;
    c = c < cells - 1 ? c : cells - 1;
    const int cell = static_cast<int>(c);
    const double w = kWeighted ? weights[t] : 1.0;
    if (cell != current) {
      group_start.push_back(t);
      means.push_back(0);
      mass.push_back(0);
      current = cell;
    }
    means.back() += w * points[t];
    mass.back() += w;
  }
  std::vector<std::size_t> starts(K);
  if (group_start.size() < 2 * K) {  // too few occupied cells to say much: equal counts
    for (std::size_t m = 0; m < K; ++m) starts[m] = m * n / K;
    return starts;
  }
  for (std::size_t g = 0; g < means.size(); ++g) means[g] /= mass[g];
  const SegmentCost<true> coarse(means, mass);
  const std::vector<std::size_t> gs = optimal_starts(coarse, k, RowMinima::kBoundedDivideConquer);
  for (std::size_t m = 0; m < K; ++m) starts[m] = group_start[gs[m]];
  return starts;
}

/// Bands [lo[m], hi[m]] around the cuts: cut m may move a fraction `reach` of the way to each
/// neighbouring cut (reach 1: anywhere between cut m - 1 and cut m + 1).
void bands_around(std::span<const std::size_t> starts, std::size_t n, std::vector<std::size_t>& lo,
                  std::vector<std::size_t>& hi, double reach = 1.0) {
  const std::size_t K = starts.size();
  lo.assign(K, 0);
  hi.assign(K, 0);
  for (std::size_t m = 1; m < K; ++m) {
    const std::size_t a = starts[m - 1];
    const std::size_t c = m + 1 < K ? starts[m + 1] : n;
    lo[m] = std::max(m, starts[m] - static_cast<std::size_t>(reach * static_cast<double>(starts[m] - a)));
    hi[m] = std::min(n - K + m, starts[m] + static_cast<std::size_t>(reach * static_cast<double>(c - starts[m])));
  }
  for (std::size_t m = 2; m < K; ++m) lo[m] = std::max(lo[m], lo[m - 1] + 1);
  for (std::size_t m = K - 1; m-- > 1;) hi[m] = std::min(hi[m], hi[m + 1] - 1);
  for (std::size_t m = 1; m < K; ++m) RAPIDNN_ASSERT(lo[m] <= hi[m]);
}

}  // namespace

template <bool kWeighted>
std::vector<std::size_t> banded_optimal_starts(const SegmentCost<kWeighted>& cost, int k,
                                               std::span<const std::size_t> lo, std::span<const std::size_t> hi) {
  const std::size_t n = cost.size();
  const auto K = static_cast<std::size_t>(k);
  RAPIDNN_ASSERT(k >= 1 && K <= n && lo.size() == K && hi.size() == K);
  std::vector<std::size_t> starts(K, 0);
  if (K == 1) return starts;
  // G[j] (j in band m) = best cost of clusters 0..m-1 covering points [0, j); row_minimum reads
  // prev[j - 1] = G[j], hence the +1 offsets.
  std::vector<double> prev(n + 1, kInf), cur(n + 1, kInf);
  for (std::size_t p = lo[1]; p <= hi[1]; ++p) prev[p] = cost(0, p - 1);
  std::vector<std::size_t> offset(K + 1, 0);
  for (std::size_t m = 2; m < K; ++m) offset[m + 1] = offset[m] + (hi[m] - lo[m] + 1);
  std::vector<std::uint32_t> arg(offset[K] + 1);
  struct Task {
    std::size_t plo, phi, qlo, qhi;
  };
  std::vector<Task> stack;
  for (std::size_t m = 1; m + 1 < K; ++m) {
    // Rows p (start of cluster m + 1) in band m + 1, columns q (start of cluster m) in band m.
    std::uint32_t* am = arg.data() + offset[m + 1];
    const std::size_t rlo = lo[m + 1], rhi = hi[m + 1];
    stack.assign(1, Task{rlo, rhi, lo[m], hi[m]});
    while (!stack.empty()) {
      const Task t = stack.back();
      stack.pop_back();
      const std::size_t mid = t.plo + (t.phi - t.plo) / 2;
      const std::size_t qhi = std::min(t.qhi, mid - 1);
      const RowMin r = cost.row_minimum(prev.data() + 1, mid - 1, t.qlo, qhi);
      cur[mid] = r.value;
      am[mid - rlo] = static_cast<std::uint32_t>(r.arg);
      if (mid > t.plo) stack.push_back({t.plo, mid - 1, t.qlo, r.arg});
      if (mid < t.phi) stack.push_back({mid + 1, t.phi, r.arg, t.qhi});
    }
    std::swap(prev, cur);  // only band entries are ever read, so no reset
  }
  const RowMin last = cost.row_minimum(prev.data() + 1, n - 1, lo[K - 1], hi[K - 1]);
  starts[K - 1] = last.arg;
  for (std::size_t m = K - 1; m >= 2; --m) starts[m - 1] = arg[offset[m] + (starts[m] - lo[m])];
  return starts;
}

template <bool kWeighted>
std::vector<std::size_t> penalized_optimal_starts(const SegmentCost<kWeighted>& cost, double lambda,
                                                  std::size_t typical_cluster) {
  const std::size_t n = cost.size();
  std::vector<double> F(n + 1);  // F[t]: best penalised cost of the first t points
  std::vector<std::uint32_t> opt(n);
  F[0] = 0;
  auto value = [&](std::size_t j, std::size_t i) { return F[j] + cost(j, i); };
  // Leftmost row minima are nondecreasing (concave Monge cost). Short clusters: scan the window
  // [opt(i-1), i] with the vectorised row kernel. Long ones: the candidate queue of Galil & Park
  // (each start j owns the rows from which it is the leftmost best; a new start takes over a
  // suffix of rows found by binary search), O(n log n) whatever the cluster sizes.
  const bool scan = typical_cluster <= 32;
  if (scan) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < n; ++i) {
      RowMin best{0, kInf};
      if (from == 0) best = {0, cost(0, i)};
      const std::size_t lo = std::max<std::size_t>(from, 1);
      if (lo <= i) {
        const RowMin r = cost.row_minimum(F.data() + 1, i, lo, i);  // prev[j - 1] = F[j]
        if (r.value < best.value) best = r;
      }
      F[i + 1] = best.value + lambda;
      opt[i] = static_cast<std::uint32_t>(best.arg);
      from = best.arg;
    }
  } else {
    struct Candidate {
      std::size_t j, from;
    };
    std::vector<Candidate> queue{{0, 0}};
    std::size_t head = 0;
    for (std::size_t i = 0; i < n; ++i) {
      while (head + 1 < queue.size() && queue[head + 1].from <= i) ++head;
      const std::size_t j = queue[head].j;
      F[i + 1] = value(j, i) + lambda;
      opt[i] = static_cast<std::uint32_t>(j);
      const std::size_t jn = i + 1;  // the new start, valid for rows >= jn
      if (jn >= n) break;
      while (true) {
        const Candidate b = queue.back();
        const std::size_t r = std::max(b.from, jn);
        if (value(jn, r) < value(b.j, r)) {  // jn wins from r on: b is useless from its first row
          if (queue.size() - 1 == head) {
            queue.back() = {jn, r};
            break;
          }
          queue.pop_back();
          continue;
        }
        // First row where jn strictly wins (n: never): gallop from r (the takeover is usually
        // about a cluster away), then bisect.
        std::size_t lo = r + 1, hi = n, step = 16;
        while (lo + step < n && !(value(jn, lo + step) < value(b.j, lo + step))) {
          lo += step + 1;
          step *= 2;
        }
        if (lo + step < n) hi = lo + step;
        while (lo < hi) {
          const std::size_t mid = lo + (hi - lo) / 2;
          if (value(jn, mid) < value(b.j, mid)) hi = mid;
          else lo = mid + 1;
        }
        if (lo < n) queue.push_back({jn, lo});
        break;
      }
    }
  }
  std::vector<std::size_t> starts;
  for (std::size_t end = n; end > 0;) {
    const std::size_t j = opt[end - 1];
    starts.push_back(j);
    end = j;
  }
  std::reverse(starts.begin(), starts.end());
  return starts;
}

template <bool kWeighted>
std::vector<std::size_t> certified_optimal_starts(std::span<const double> points, std::span<const double> weights,
                                                  const SegmentCost<kWeighted>& cost, int k,
                                                  CertifiedPartitionStats* stats, std::span<const std::size_t> initial) {
  const std::size_t n = cost.size();
  const auto K = static_cast<std::size_t>(k);
  RAPIDNN_ASSERT(k >= 1 && K <= n && points.size() == n);
  CertifiedPartitionStats st;
  auto done = [&](std::vector<std::size_t> s) {
    if (stats != nullptr) *stats = st;
    return s;
  };
  // Small problems: the full DP is as cheap as the machinery below.
  if (n <= 8 * K || K <= 2) return done(optimal_starts(cost, k, RowMinima::kBoundedDivideConquer));

  // 1-2. candidate
  std::vector<std::size_t> starts;
  if (initial.size() == K) starts.assign(initial.begin(), initial.end());
  else starts = coarse_starts<kWeighted>(points, weights, k);
  // One banded pass: the certificate below does not need the candidate to be optimal, only good
  // enough to place lambda (and it is optimal in nearly every case measured).
  std::vector<std::size_t> lo, hi;
  bands_around(starts, n, lo, hi, kCandidateReach);
  starts = banded_optimal_starts(cost, k, lo, hi);
  st.band_passes = 1;

  // 3. certificate. The valid penalties are [C(k) - C(k+1), C(k-1) - C(k)] (C: optimal cost per
  // cluster count); estimate C(k+1) and C(k-1) by one banded pass from the candidate with its best
  // single split / cheapest merge applied, and start in the middle of the estimated interval.
  const double c_k = partition_cost(cost, starts, n);
  std::size_t split_c = 0, split_at = 0, merge_c = 0;
  double max_gain = -kInf, min_loss = kInf;
  for (std::size_t c = 0; c < K; ++c) {
    const std::size_t b = starts[c], e = c + 1 < K ? starts[c + 1] : n;
    const double whole = cost(b, e - 1);
    for (std::size_t t = b + 1; t < e; ++t) {
      const double gain = whole - cost(b, t - 1) - cost(t, e - 1);
      if (gain > max_gain) {
        max_gain = gain;
        split_c = c;
        split_at = t;
      }
    }
    if (c + 1 < K) {
      const std::size_t e2 = c + 2 < K ? starts[c + 2] : n;
      const double loss = cost(b, e2 - 1) - whole - cost(e, e2 - 1);
      if (loss < min_loss) {
        min_loss = loss;
        merge_c = c;
      }
    }
  }
  double lam_lo = 0, lam_hi = kInf;
  if (max_gain > -kInf && min_loss < kInf) {
    std::vector<std::size_t> more(starts), fewer(starts);
    more.insert(more.begin() + static_cast<std::ptrdiff_t>(split_c + 1), split_at);
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(merge_c + 1));
    bands_around(more, n, lo, hi);
    const double c_more = partition_cost(cost, banded_optimal_starts(cost, k + 1, lo, hi), n);
    bands_around(fewer, n, lo, hi);
    const double c_fewer = partition_cost(cost, banded_optimal_starts(cost, k - 1, lo, hi), n);
    lam_lo = std::max(0.0, std::min(c_k - c_more, c_fewer - c_k));
    lam_hi = std::max(c_k - c_more, c_fewer - c_k);
  }
  for (st.lambda_steps = 0; st.lambda_steps < kMaxLambdaSteps && lam_hi > 0 && lam_hi < kInf;) {
    const double lambda = 0.5 * (lam_lo + lam_hi);
    std::vector<std::size_t> q = penalized_optimal_starts(cost, lambda, n / K);
    ++st.lambda_steps;
    if (q.size() == K) {
      st.certified = true;
      return done(std::move(q));
    }
    // |Q| is nonincreasing in lambda. Q is optimal for |Q| clusters; when the estimate missed,
    // widen the bracket on that side before bisecting.
    if (q.size() > K) {
      lam_lo = lambda;
      if (st.lambda_steps == 1) lam_hi = std::max(lam_hi, 2 * lambda);
    } else {
      lam_hi = lambda;
      if (st.lambda_steps == 1) lam_lo = std::min(lam_lo, 0.5 * lambda);
    }
  }
  // 4. no certificate
  return done(optimal_starts(cost, k, RowMinima::kBoundedDivideConquer));
}

template std::vector<std::size_t> certified_optimal_starts<false>(std::span<const double>, std::span<const double>,
                                                                  const SegmentCost<false>&, int,
                                                                  CertifiedPartitionStats*, std::span<const std::size_t>);
template std::vector<std::size_t> certified_optimal_starts<true>(std::span<const double>, std::span<const double>,
                                                                 const SegmentCost<true>&, int,
                                                                 CertifiedPartitionStats*, std::span<const std::size_t>);
template std::vector<std::size_t> banded_optimal_starts<false>(const SegmentCost<false>&, int,
                                                               std::span<const std::size_t>,
                                                               std::span<const std::size_t>);
template std::vector<std::size_t> banded_optimal_starts<true>(const SegmentCost<true>&, int,
                                                              std::span<const std::size_t>,
                                                              std::span<const std::size_t>);
template std::vector<std::size_t> penalized_optimal_starts<false>(const SegmentCost<false>&, double, std::size_t);
template std::vector<std::size_t> penalized_optimal_starts<true>(const SegmentCost<true>&, double, std::size_t);

}  // namespace rapidnn::cluster::detail
