#include "cluster/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>

#include "core/error.hpp"

namespace rapidnn::cluster {

namespace {
constexpr float kPosInf = std::numeric_limits<float>::infinity();
constexpr std::uint64_t kLimbMask = (std::uint64_t{1} << 31) - 1;
}  // namespace

Histogram1D make_histogram(double min_value, double max_value, int bins) {
  RAPIDNN_THROW_IF_NOT(bins >= 1, InvalidArgument, "make_histogram: bins must be >= 1, got {}", bins);
  Histogram1D h;
  h.scale = FixedPointScale::from_range(min_value, max_value);
  h.min = min_value;
  h.max = max_value;
  h.bins = bins;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  h.sums_q.assign(static_cast<std::size_t>(bins), 0);
  h.mins.assign(static_cast<std::size_t>(bins), kPosInf);
  h.maxs.assign(static_cast<std::size_t>(bins), -kPosInf);
  return h;
}

BinMap Histogram1D::map() const {
  const double width = max - min;
  return BinMap{min, width > 0 ? bins / width : 0.0, static_cast<double>(bins - 1)};
}

__extension__ unsigned __int128 Histogram1D::total_q2() const {
  __extension__ using u128 = unsigned __int128;
  return (static_cast<u128>(static_cast<std::uint64_t>(q2_words[0])) << 31) + static_cast<std::uint64_t>(q2_words[1]);
}

std::uint64_t Histogram1D::total_count() const {
  std::uint64_t n = 0;
  for (const auto c : counts) n += c;
  return n;
}

Histogram1D& Histogram1D::operator+=(const Histogram1D& other) {
  RAPIDNN_ASSERT(bins == other.bins && min == other.min && max == other.max);
  for (std::size_t b = 0; b < counts.size(); ++b) {
    counts[b] += other.counts[b];
    sums_q[b] += other.sums_q[b];
    mins[b] = std::min(mins[b], other.mins[b]);
    maxs[b] = std::max(maxs[b], other.maxs[b]);
  }
  q2_words[0] += other.q2_words[0];
  q2_words[1] += other.q2_words[1];
  return *this;
}

void Histogram1D::weighted_points(std::vector<double>& points, std::vector<double>& weights) const {
  points.clear();
  weights.clear();
  for (std::size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] == 0) continue;
    const double mean = scale.to_value(static_cast<long double>(sums_q[b]) / static_cast<long double>(counts[b]));
    // Neighbouring bins' means are strictly ascending except when quantisation (2^-32 of the range)
    // rounds values on both sides of a bin edge to the same integer: merge such bins.
    if (!points.empty() && mean <= points.back()) {
      const double w = weights.back() + static_cast<double>(counts[b]);
      points.back() = (points.back() * weights.back() + mean * static_cast<double>(counts[b])) / w;
      weights.back() = w;
      continue;
    }
    points.push_back(mean);
    weights.push_back(static_cast<double>(counts[b]));
  }
}

namespace {

constexpr std::size_t kBlock = 512;

// Blocks of values are first mapped to (bin, q) -- with AVX2 where the CPU has it, four values
// per instruction, else by the scalar loop; the same IEEE operations either way (no FMA), so the
// same bins and integers -- then scattered into the bins in a short scalar loop.
template <class T>
void bins_and_q_scalar(const T* x, std::size_t n, const BinMap& map, const FixedPointScale* scale, std::int32_t* bin,
                       std::int64_t* q) {
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    bin[i] = map(v);
    if (scale != nullptr) q[i] = scale->quantize(v);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
/// Float input only (the hot case); |q| <= 2^31 - 1 after the clamp, so the truncation to int32
/// equals FixedPointScale::quantize's truncation to int64.
__attribute__((target("avx2"))) void bins_and_q_avx2(const float* x, std::size_t n, const BinMap& map,
                                                     const FixedPointScale* scale, std::int32_t* bin,
                                                     std::int64_t* q) {
  const __m256d lo = _mm256_set1_pd(map.lo), inv = _mm256_set1_pd(map.inv), top = _mm256_set1_pd(map.top);
  const __m256d zero = _mm256_setzero_pd();
  const __m256d center = _mm256_set1_pd(scale != nullptr ? scale->center : 0.0);
  const __m256d mul = _mm256_set1_pd(scale != nullptr ? scale->scale : 0.0);
  const __m256d qmax = _mm256_set1_pd(2147483647.0), qmin = _mm256_set1_pd(-2147483647.0);
  const __m256d sign = _mm256_set1_pd(-0.0), half = _mm256_set1_pd(0.5);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    __m256d t = _mm256_mul_pd(_mm256_sub_pd(v, lo), inv);
    t = _mm256_blendv_pd(t, zero, _mm256_cmp_pd(t, zero, _CMP_LT_OQ));  // t < 0 ? 0 : ...
    t = _mm256_blendv_pd(t, top, _mm256_cmp_pd(t, top, _CMP_GT_OQ));    // ... t > top ? top : t
    _mm_storeu_si128(reinterpret_cast<__m128i*>(bin + i), _mm256_cvttpd_epi32(t));
    if (scale != nullptr) {
      __m256d y = _mm256_mul_pd(_mm256_sub_pd(v, center), mul);
      y = _mm256_blendv_pd(y, qmin, _mm256_cmp_pd(y, qmin, _CMP_LT_OQ));
      y = _mm256_blendv_pd(y, qmax, _mm256_cmp_pd(y, qmax, _CMP_GT_OQ));
      y = _mm256_add_pd(y, _mm256_or_pd(_mm256_and_pd(y, sign), half));  // y + copysign(0.5, y)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(y)));
    }
  }
  bins_and_q_scalar(x + i, n - i, map, scale, bin + i, scale != nullptr ? q + i : nullptr);
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

template <class T>
void bins_and_q(const T* x, std::size_t n, const BinMap& map, const FixedPointScale* scale, std::int32_t* bin,
                std::int64_t* q) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (std::is_same_v<T, float>) {
    if (kHasAvx2) return bins_and_q_avx2(x, n, map, scale, bin, q);
  }
#endif
  bins_and_q_scalar(x, n, map, scale, bin, q);
}

template <class T>
void accumulate_impl(std::span<const T> values, Histogram1D& h) {
  // Per-thread bins with count, sum, min and max side by side: one cache line per update.
  struct Bin {
    std::int64_t count = 0, sum_q = 0;
    float min = kPosInf, max = -kPosInf;
  };
  struct Local {
    std::vector<Bin> bins;
    std::uint64_t q2_hi = 0, q2_lo = 0;
  };
  const BinMap bin_of = h.map();
  const FixedPointScale scale = h.scale;
  tbb::combinable<Local> local([&] { return Local{std::vector<Bin>(static_cast<std::size_t>(h.bins)), 0, 0}; });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Local& l = local.local();
                      Bin* bins = l.bins.data();
                      std::int32_t bin[kBlock];
                      std::int64_t q[kBlock];
                      std::uint64_t hi = 0, lo = 0;
                      for (std::size_t b0 = r.begin(); b0 < r.end(); b0 += kBlock) {
                        const std::size_t n = std::min(kBlock, r.end() - b0);
                        bins_and_q(values.data() + b0, n, bin_of, &scale, bin, q);
                        for (std::size_t i = 0; i < n; ++i) {
                          const auto sq = static_cast<std::uint64_t>(q[i] * q[i]);  // < 2^62
                          hi += sq >> 31;
                          lo += sq & kLimbMask;
                        }
                        for (std::size_t i = 0; i < n; ++i) {
                          const auto xf = static_cast<float>(values[b0 + i]);
                          Bin& b = bins[bin[i]];
                          b.count += 1;
                          b.sum_q += q[i];
                          b.min = xf < b.min ? xf : b.min;
                          b.max = xf > b.max ? xf : b.max;
                        }
                      }
                      l.q2_hi += hi;
                      l.q2_lo += lo;
                    });
  // Integer sums and min/max: the combination order does not change the result.
  local.combine_each([&](const Local& part) {
    for (std::size_t b = 0; b < part.bins.size(); ++b) {
      h.counts[b] += static_cast<std::uint64_t>(part.bins[b].count);
      h.sums_q[b] += part.bins[b].sum_q;
      h.mins[b] = std::min(h.mins[b], part.bins[b].min);
      h.maxs[b] = std::max(h.maxs[b], part.bins[b].max);
    }
    h.q2_words[0] += static_cast<std::int64_t>(part.q2_hi);
    h.q2_words[1] += static_cast<std::int64_t>(part.q2_lo);
  });
}
}  // namespace

void accumulate_histogram(std::span<const float> values, Histogram1D& h) { accumulate_impl(values, h); }
void accumulate_histogram(std::span<const double> values, Histogram1D& h) { accumulate_impl(values, h); }

void bins_of(std::span<const float> values, const BinMap& map, std::int32_t* bins) {
  for (std::size_t b0 = 0; b0 < values.size(); b0 += kBlock)
    bins_and_q(values.data() + b0, std::min(kBlock, values.size() - b0), map, nullptr, bins + b0, nullptr);
}

std::vector<float> values_in_bins(std::span<const float> values, const Histogram1D& h,
                                  std::span<const std::uint8_t> flags) {
  RAPIDNN_ASSERT(flags.size() == static_cast<std::size_t>(h.bins));
  const BinMap bin_of = h.map();
  tbb::combinable<std::vector<float>> local;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::vector<float>& out = local.local();
                      std::int32_t bin[kBlock];
                      for (std::size_t b0 = r.begin(); b0 < r.end(); b0 += kBlock) {
                        const std::size_t n = std::min(kBlock, r.end() - b0);
                        bins_and_q(values.data() + b0, n, bin_of, nullptr, bin, nullptr);
                        for (std::size_t i = 0; i < n; ++i)
                          if (flags[static_cast<std::size_t>(bin[i])] != 0) out.push_back(values[b0 + i]);
                      }
                    });
  std::vector<float> all;
  local.combine_each([&](const std::vector<float>& part) { all.insert(all.end(), part.begin(), part.end()); });
  return all;
}

}  // namespace rapidnn::cluster
