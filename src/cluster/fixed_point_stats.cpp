#include "cluster/fixed_point_stats.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include "cluster/input_checks.hpp"
#include "cluster/nearest_lookup.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

namespace {
constexpr double kMaxQ = 2147483646.0;  // 2^31 - 2: |q| < 2^31 with room for rounding
constexpr std::size_t kGrain = std::size_t{1} << 15;
}  // namespace

FixedPointScale FixedPointScale::from_range(double min_value, double max_value) {
  RAPIDNN_THROW_IF_NOT(std::isfinite(min_value) && std::isfinite(max_value) && min_value <= max_value,
                       InvalidArgument, "FixedPointScale: invalid range [{}, {}]", min_value, max_value);
  FixedPointScale s;
  s.center = 0.5 * min_value + 0.5 * max_value;
  const double half = std::max(max_value - s.center, s.center - min_value);
  s.scale = half > 0 ? kMaxQ / half : 1.0;
  if (!std::isfinite(s.scale)) s.scale = 1.0;  // half subnormal: every value quantises to ~0
  return s;
}


double FixedPointScale::to_value(long double q) const {
  return static_cast<double>(center + q / static_cast<long double>(scale));
}

namespace {
/// Min, max and "some value is NaN or +-Inf" of a block.
template <class T>
struct BlockRange {
  T lo, hi;
  bool bad;
};

template <class T>
BlockRange<T> block_range_scalar(const T* x, std::size_t n) {
  // Eight independent lanes (element-wise, not a reduction) so that the compiler emits packed
  // min/max without -ffast-math; lanes are folded at the end.
  constexpr std::size_t kLanes = 8;
  T lo_l[kLanes], hi_l[kLanes];
  int bad_l[kLanes] = {};
  for (std::size_t l = 0; l < kLanes; ++l) lo_l[l] = hi_l[l] = x[0];
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const T v = x[i + l];
      lo_l[l] = v < lo_l[l] ? v : lo_l[l];
      hi_l[l] = v > hi_l[l] ? v : hi_l[l];
      bad_l[l] |= (v - v) != 0 ? 1 : 0;  // NaN or +-Inf
    }
  }
  BlockRange<T> r{lo_l[0], hi_l[0], false};
  int bad = 0;
  for (std::size_t l = 0; l < kLanes; ++l) {
    r.lo = std::min(r.lo, lo_l[l]);
    r.hi = std::max(r.hi, hi_l[l]);
    bad |= bad_l[l];
  }
  for (; i != n; ++i) {
    const T v = x[i];
    r.lo = v < r.lo ? v : r.lo;
    r.hi = v > r.hi ? v : r.hi;
    bad |= (v - v) != 0 ? 1 : 0;
  }
  r.bad = bad != 0;
  return r;
}

#if defined(__x86_64__) && defined(__GNUC__)
/// 32 floats per step in four independent accumulators: the first pass over a sharded problem
/// runs at memory bandwidth. Min and max are exact, so the result equals the scalar kernel's
/// whenever no value is bad (a bad value makes the caller throw).
__attribute__((target("avx2"))) BlockRange<float> block_range_avx2(const float* x, std::size_t n) {
  if (n < 32) return block_range_scalar(x, n);
  __m256 lo[4], hi[4], bad[4];
  for (int a = 0; a < 4; ++a) {
    lo[a] = hi[a] = _mm256_loadu_ps(x + 8 * a);
    bad[a] = _mm256_setzero_ps();
  }
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int a = 0; a < 4; ++a) {
      const __m256 v = _mm256_loadu_ps(x + i + 8 * a);
      lo[a] = _mm256_min_ps(v, lo[a]);  // v < lo ? v : lo, as the scalar kernel
      hi[a] = _mm256_max_ps(v, hi[a]);
      const __m256 d = _mm256_sub_ps(v, v);  // NaN exactly for NaN and +-Inf
      bad[a] = _mm256_or_ps(bad[a], _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
    }
  }
  const __m256 l = _mm256_min_ps(_mm256_min_ps(lo[0], lo[1]), _mm256_min_ps(lo[2], lo[3]));
  const __m256 h = _mm256_max_ps(_mm256_max_ps(hi[0], hi[1]), _mm256_max_ps(hi[2], hi[3]));
  const __m256 b = _mm256_or_ps(_mm256_or_ps(bad[0], bad[1]), _mm256_or_ps(bad[2], bad[3]));
  alignas(32) float lv[8], hv[8];
  _mm256_store_ps(lv, l);
  _mm256_store_ps(hv, h);
  BlockRange<float> r{lv[0], hv[0], _mm256_movemask_ps(b) != 0};
  for (int j = 1; j < 8; ++j) {
    r.lo = std::min(r.lo, lv[j]);
    r.hi = std::max(r.hi, hv[j]);
  }
  if (i < n) {
    const BlockRange<float> t = block_range_scalar(x + i, n - i);
    r.lo = std::min(r.lo, t.lo);
    r.hi = std::max(r.hi, t.hi);
    r.bad = r.bad || t.bad;
  }
  return r;
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

template <class T>
BlockRange<T> block_range(const T* x, std::size_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (std::is_same_v<T, float>) {
    if (kHasAvx2) return block_range_avx2(x, n);
  }
#endif
  return block_range_scalar(x, n);
}

template <class T>
ValueRange value_range_impl(std::span<const T> values, std::string_view what) {
  detail::check_not_empty(values.size(), what);
  struct Acc {
    double lo = INFINITY, hi = -INFINITY;
    bool bad = false;
  };
  const Acc acc = tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, values.size(), kGrain), Acc{},
      [&](const tbb::blocked_range<std::size_t>& r, Acc a) {
        const BlockRange<T> b = block_range(values.data() + r.begin(), r.size());
        a.lo = std::min<double>(a.lo, b.lo);
        a.hi = std::max<double>(a.hi, b.hi);
        a.bad = a.bad || b.bad;
        return a;
      },
      [](Acc a, const Acc& b) {
        a.lo = std::min(a.lo, b.lo);
        a.hi = std::max(a.hi, b.hi);
        a.bad |= b.bad;
        return a;
      });
  if (acc.bad) detail::check_finite(values, what);  // throws, naming the lowest bad index
  return {acc.lo, acc.hi};
}
}  // namespace

namespace detail {
ValueRange checked_value_range(std::span<const float> values, std::string_view what) { return value_range_impl(values, what); }
ValueRange checked_value_range(std::span<const double> values, std::string_view what) { return value_range_impl(values, what); }
}  // namespace detail

ValueRange value_range(std::span<const float> values) { return value_range_impl(values, "value_range"); }
ValueRange value_range(std::span<const double> values) { return value_range_impl(values, "value_range"); }

ClusterStats& ClusterStats::operator+=(const ClusterStats& other) {
  RAPIDNN_ASSERT(words_.size() == other.words_.size());
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] += other.words_[i];
  return *this;
}

__extension__ unsigned __int128 ClusterStats::sum_q2(int c) const {
  __extension__ using u128 = unsigned __int128;
  const std::int64_t* w = &words_[static_cast<std::size_t>(c) * kWordsPerCluster];
  return (static_cast<u128>(static_cast<std::uint64_t>(w[2])) << 31) + static_cast<std::uint64_t>(w[3]);
}

double ClusterStats::mean(int c, const FixedPointScale& s) const {
  const std::uint64_t n = count(c);
  if (n == 0) return s.center;
  return s.to_value(static_cast<long double>(sum_q(c)) / static_cast<long double>(n));
}

double ClusterStats::within_ss(int c, const FixedPointScale& s) const {
  const std::uint64_t n = count(c);
  if (n == 0) return 0;
  const long double sq = static_cast<long double>(sum_q2(c));
  const long double sum = static_cast<long double>(sum_q(c));
  const long double ss = std::max(0.0L, sq - sum * sum / static_cast<long double>(n));
  return static_cast<double>(ss / (static_cast<long double>(s.scale) * s.scale));
}

double ClusterStats::ss_about(int c, double y, const FixedPointScale& s) const {
  const std::uint64_t n = count(c);
  if (n == 0) return 0;
  // sum (q - yq)^2 = [sum q^2 - (sum q)^2 / n] + n (mean_q - yq)^2: the first term carries the
  // scatter, the second the offset of y from the mean; both non-negative, no big cancellation.
  const long double sum = static_cast<long double>(sum_q(c));
  const long double mean_q = sum / static_cast<long double>(n);
  const long double yq = (static_cast<long double>(y) - s.center) * s.scale;
  const long double scatter = std::max(0.0L, static_cast<long double>(sum_q2(c)) - sum * mean_q);
  const long double off = mean_q - yq;
  return static_cast<double>((scatter + static_cast<long double>(n) * off * off) /
                             (static_cast<long double>(s.scale) * s.scale));
}

namespace {
template <class T>
void accumulate_impl(std::span<const T> values, const NearestLookup& nearest, const FixedPointScale& scale,
                     ClusterStats& stats) {
  for (const T v : values) {
    const double x = v;
    stats.add(static_cast<int>(nearest(x)), scale.quantize(x));
  }
}

// The lookup grid spans the range the scale was built for.
NearestLookup make_lookup(std::span<const double> centroids, const FixedPointScale& s) {
  const double half = kMaxQ / s.scale;
  return NearestLookup(centroids, s.center - half, s.center + half);
}

template <class T>
ClusterStats cluster_stats_impl(std::span<const T> values, std::span<const double> centroids,
                                const FixedPointScale& scale) {
  RAPIDNN_ASSERT(!centroids.empty());
  const NearestLookup nearest = make_lookup(centroids, scale);
  const int k = static_cast<int>(centroids.size());
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, values.size(), kGrain), ClusterStats(k),
      [&](const tbb::blocked_range<std::size_t>& r, ClusterStats acc) {
        accumulate_impl(values.subspan(r.begin(), r.size()), nearest, scale, acc);
        return acc;
      },
      [](ClusterStats a, const ClusterStats& b) {
        a += b;
        return a;
      });
}
}  // namespace

void accumulate_cluster_stats(std::span<const float> values, std::span<const double> sorted_centroids,
                              const FixedPointScale& scale, ClusterStats& stats) {
  RAPIDNN_ASSERT(stats.k() == static_cast<int>(sorted_centroids.size()));
  accumulate_impl(values, make_lookup(sorted_centroids, scale), scale, stats);
}
void accumulate_cluster_stats(std::span<const double> values, std::span<const double> sorted_centroids,
                              const FixedPointScale& scale, ClusterStats& stats) {
  RAPIDNN_ASSERT(stats.k() == static_cast<int>(sorted_centroids.size()));
  accumulate_impl(values, make_lookup(sorted_centroids, scale), scale, stats);
}

ClusterStats cluster_stats(std::span<const float> values, std::span<const double> sorted_centroids,
                           const FixedPointScale& scale) {
  return cluster_stats_impl(values, sorted_centroids, scale);
}
ClusterStats cluster_stats(std::span<const double> values, std::span<const double> sorted_centroids,
                           const FixedPointScale& scale) {
  return cluster_stats_impl(values, sorted_centroids, scale);
}

std::vector<double> lloyd_update(const ClusterStats& stats, std::span<const double> old_centroids,
                                 const FixedPointScale& scale) {
  RAPIDNN_ASSERT(stats.k() == static_cast<int>(old_centroids.size()));
  std::vector<double> next(old_centroids.begin(), old_centroids.end());
  for (int c = 0; c < stats.k(); ++c) {
    if (stats.count(c) > 0) next[static_cast<std::size_t>(c)] = stats.mean(c, scale);
  }
  return next;
}

Codebook1D codebook_from_stats(const ClusterStats& stats, std::span<const double> centroids,
                               const FixedPointScale& scale, int iterations) {
  RAPIDNN_ASSERT(stats.k() == static_cast<int>(centroids.size()));
  Codebook1D cb;
  cb.centroids.assign(centroids.begin(), centroids.end());
  cb.counts.resize(centroids.size());
  long double wcss = 0;
  for (int c = 0; c < stats.k(); ++c) {
    cb.counts[static_cast<std::size_t>(c)] = stats.count(c);
    wcss += stats.ss_about(c, centroids[static_cast<std::size_t>(c)], scale);
  }
  cb.wcss = static_cast<double>(wcss);
  cb.iterations = iterations;
  return cb;
}

}  // namespace rapidnn::cluster
