#include "cluster/segment_cost.hpp"

#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RAPIDNN_HAVE_AVX2_KERNEL 1
#endif

namespace rapidnn::cluster::detail {

template <bool kWeighted>
SegmentCost<kWeighted>::SegmentCost(std::span<const double> points, std::span<const double> weights)
    : n_(points.size()) {
  RAPIDNN_ASSERT(!kWeighted || weights.size() == points.size());
  long double total_w = 0, total_wp = 0;
  for (std::size_t t = 0; t < n_; ++t) {
    const long double w = kWeighted ? weights[t] : 1.0L;
    total_w += w;
    total_wp += w * points[t];
  }
  const long double shift = total_wp / total_w;
  s1_.resize(n_ + 1);
  s2_.resize(n_ + 1);
  if constexpr (kWeighted) w_.resize(n_ + 1);
  else inv_len_rev_.resize(n_ + 1);
  long double a1 = 0, a2 = 0, aw = 0;
  s1_[0] = s2_[0] = 0.0;
  if constexpr (kWeighted) w_[0] = 0;
  for (std::size_t t = 0; t < n_; ++t) {
    const long double y = points[t] - shift;
    const long double w = kWeighted ? weights[t] : 1.0L;
    a1 += w * y;
    a2 += w * y * y;
    s1_[t + 1] = static_cast<double>(a1);
    s2_[t + 1] = static_cast<double>(a2);
    if constexpr (kWeighted) {
      aw += w;
      w_[t + 1] = static_cast<double>(aw);
    }
  }
  if constexpr (!kWeighted) {
    for (std::size_t len = 1; len <= n_; ++len) inv_len_rev_[n_ - len] = 1.0 / static_cast<double>(len);
    inv_len_rev_[n_] = 0;  // len = 0 never occurs; keeps the array one past the last index
  }
}

namespace {

/// Scalar kernel: the reference the AVX2 kernel must match bit for bit.
template <bool kWeighted>
RowMin row_minimum_scalar(const SegmentCost<kWeighted>& cost, const double* prev, std::size_t i, std::size_t lo,
                          std::size_t hi) {
  const auto end = cost.prefix(i + 1);
  RowMin best{lo, prev[lo - 1] + cost.eval(lo, i, end)};
  for (std::size_t j = lo + 1; j <= hi; ++j) {
    const double v = prev[j - 1] + cost.eval(j, i, end);
    if (v < best.value) best = {j, v};
  }
  return best;
}

#ifdef RAPIDNN_HAVE_AVX2_KERNEL
/// Four candidates per step. Per lane the operations are exactly those of eval() (no FMA: the
/// target enables AVX2 only, and ISO C++ mode does not contract), so every value equals the scalar
/// one. Each lane keeps its first minimum (strict <); lanes are then merged by value, ties to the
/// smaller j: the leftmost minimum of the whole window, as in the scalar loop.
template <bool kWeighted>
__attribute__((target("avx2"))) RowMin row_minimum_avx2(const double* prev, const double* s1, const double* s2,
                                                         const double* den, std::size_t den_offset, double end_s1,
                                                         double end_s2, double end_w, std::size_t lo,
                                                         std::size_t hi) {
  const __m256d S1 = _mm256_set1_pd(end_s1), S2 = _mm256_set1_pd(end_s2), zero = _mm256_setzero_pd();
  [[maybe_unused]] const __m256d W = _mm256_set1_pd(end_w);
  __m256d best_v = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  __m256d best_j = _mm256_setzero_pd();  // j as doubles: exact below 2^53
  __m256d jv = _mm256_setr_pd(static_cast<double>(lo), static_cast<double>(lo + 1), static_cast<double>(lo + 2),
                              static_cast<double>(lo + 3));
  const __m256d four = _mm256_set1_pd(4.0);
  std::size_t j = lo;
  for (; j + 4 <= hi + 1; j += 4) {
    const __m256d d1 = _mm256_sub_pd(S1, _mm256_loadu_pd(s1 + j));
    const __m256d d2 = _mm256_sub_pd(S2, _mm256_loadu_pd(s2 + j));
    __m256d c;
    if constexpr (kWeighted) {
      c = _mm256_sub_pd(d2, _mm256_div_pd(_mm256_mul_pd(d1, d1), _mm256_sub_pd(W, _mm256_loadu_pd(den + j))));
    } else {
      c = _mm256_sub_pd(d2, _mm256_mul_pd(_mm256_mul_pd(d1, d1), _mm256_loadu_pd(den + den_offset + j)));
    }
    c = _mm256_max_pd(c, zero);  // c > 0 ? c : +0, as eval()
    const __m256d v = _mm256_add_pd(_mm256_loadu_pd(prev + j - 1), c);
    const __m256d lt = _mm256_cmp_pd(v, best_v, _CMP_LT_OQ);
    best_v = _mm256_blendv_pd(best_v, v, lt);
    best_j = _mm256_blendv_pd(best_j, jv, lt);
    jv = _mm256_add_pd(jv, four);
  }
  alignas(32) double bv[4], bj[4];
  _mm256_store_pd(bv, best_v);
  _mm256_store_pd(bj, best_j);
  RowMin best{0, std::numeric_limits<double>::infinity()};
  bool any = false;
  for (int l = 0; l < 4; ++l) {
    if (!(bv[l] < std::numeric_limits<double>::infinity())) continue;  // lane saw no candidate
    const auto lj = static_cast<std::size_t>(bj[l]);
    if (!any || bv[l] < best.value || (bv[l] == best.value && lj < best.arg)) best = {lj, bv[l]};
    any = true;
  }
  // Scalar tail (j > every vector candidate: only a strict improvement moves the minimum).
  for (; j <= hi; ++j) {
    const double e1 = end_s1 - s1[j], e2 = end_s2 - s2[j];
    double c;
    if constexpr (kWeighted) c = e2 - e1 * e1 / (end_w - den[j]);
    else c = e2 - e1 * e1 * den[den_offset + j];
    c = c > 0 ? c : 0;
    const double v = prev[j - 1] + c;
    if (!any || v < best.value) best = {j, v};
    any = true;
  }
  return best;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

template <bool kWeighted>
RowMin SegmentCost<kWeighted>::row_minimum_wide(const double* prev, std::size_t i, std::size_t lo,
                                                std::size_t hi) const {
  RAPIDNN_ASSERT(lo >= 1 && lo <= hi && hi <= i && i < n_);
#ifdef RAPIDNN_HAVE_AVX2_KERNEL
  if (kHasAvx2) {
    const double end_w = kWeighted ? w_[i + 1] : 0.0;
    const double* den = kWeighted ? w_.data() : inv_len_rev_.data();
    const std::size_t den_offset = kWeighted ? 0 : n_ - (i + 1);
    RowMin r = row_minimum_avx2<kWeighted>(prev, s1_.data(), s2_.data(), den, den_offset, s1_[i + 1], s2_[i + 1],
                                           end_w, lo, hi);
    // An infinite prev (never for the rows the DP asks) would leave lanes empty; the scalar
    // kernel defines that case.
    if (r.value < std::numeric_limits<double>::infinity()) return r;
  }
#endif
  return row_minimum_scalar(*this, prev, i, lo, hi);
}

template class SegmentCost<false>;
template class SegmentCost<true>;

}  // namespace rapidnn::cluster::detail
