#include "cluster/histogram.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the unused merge source and then warn
// about it where they are inlined (GCC bug 105593, fixed in GCC 13); the warning state at the
// header's own lines is what counts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
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

Histogram1D make_histogram(double min_value, double max_value, int bins, BinExtrema extrema) {
  RAPIDNN_THROW_IF_NOT(bins >= 1 && bins <= kMaxHistogramBins, InvalidArgument,
                       "make_histogram: bins must be in [1, {}], got {}", kMaxHistogramBins, bins);
  Histogram1D h;
  h.scale = FixedPointScale::from_range(min_value, max_value);
  h.min = min_value;
  h.max = max_value;
  h.bins = bins;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  h.sums_q.assign(static_cast<std::size_t>(bins), 0);
  if (extrema == BinExtrema::kKeep) {
    h.mins.assign(static_cast<std::size_t>(bins), kPosInf);
    h.maxs.assign(static_cast<std::size_t>(bins), -kPosInf);
  }
  return h;
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
  RAPIDNN_ASSERT(bins == other.bins && min == other.min && max == other.max &&
                 has_extrema() == other.has_extrema());
  for (std::size_t b = 0; b < counts.size(); ++b) {
    counts[b] += other.counts[b];
    sums_q[b] += other.sums_q[b];
  }
  for (std::size_t b = 0; b < mins.size(); ++b) {
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
    // The bins' mean q are strictly ascending (disjoint ascending ranges of q), but two can round
    // to the same double when a bin spans less than a double's step: merge such bins.
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
__extension__ using i128 = __int128;
__extension__ using u128 = unsigned __int128;

// One word per bin holds the bin's count and the sum of its values' offsets r = u - b * width (u =
// q + 2^31 - 1, width = floor(2^32 / bins)): each value adds (1 << shift) + r. With rem = 2^32 mod
// bins, r < width + 1 + rem (u < (b + 1) 2^32 / bins), so it has at most R = bit_width(width + rem)
// bits. Giving the count the top C = (64 - R) / 2 bits, a word stays exact for up to 2^C - 1
// values (C + R <= 64 - C): the words are flushed into 64-bit counts and sums before that many
// values have been added, which for 65,536 bins (R = 17, C = 23) is once per 8.4M values. So the
// hot loop is one 64-bit add per value into a table of 8 bytes per bin (512 KiB for 65,536 bins:
// it stays in L2).
//
// The q^2 total needs no per-value 64-bit square either: with base = b * width - (2^31 - 1),
// sum over a bin of q^2 = count base^2 + 2 base sum(r) + sum(r^2), and sum(r^2) can be taken over
// all values at once (r^2 < 2^58 for R <= 29): the kernels sum r^2, the flush adds the rest.
struct PackedLayout {
  std::uint64_t width = 0;        // floor(2^32 / bins)
  int r_bits = 0;                 // bits of an offset
  int shift = 0;                  // bit of the count field
  std::uint64_t max_values = 0;   // values a word can take before a flush
  explicit PackedLayout(std::uint64_t bins) {
    constexpr std::uint64_t kTwo32 = std::uint64_t{1} << 32;
    width = kTwo32 / bins;
    const std::uint64_t rem = kTwo32 % bins;
    r_bits = std::bit_width(width + rem);
    const int c_bits = (64 - r_bits) / 2;
    shift = 64 - c_bits;
    max_values = (std::uint64_t{1} << c_bits) - 1;
  }
  std::uint64_t count(std::uint64_t word) const { return word >> shift; }
  std::uint64_t offsets(std::uint64_t word) const { return word & ((std::uint64_t{1} << shift) - 1); }
};

/// Adds a block's values to the packed words: per value its bin b (kept in `bin`) and offset
/// r (r <= u < 2^32), words[b] += (1 << shift) + r; returns the block's sum of r^2.
template <class T>
u128 add_block_scalar(const T* x, std::size_t n, const BinMap& map, const PackedLayout& L, std::uint64_t* words,
                      std::int32_t* bin) {
  const std::uint64_t one = std::uint64_t{1} << L.shift;
  u128 r2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto u = static_cast<std::uint64_t>(map.scale.quantize(static_cast<double>(x[i])) + BinMap::kQOffset);
    const std::uint64_t b = (u * map.bins) >> 32;
    const std::uint64_t r = u - b * L.width;
    bin[i] = static_cast<std::int32_t>(b);
    words[b] += one + r;
    r2 += static_cast<u128>(r) * r;
  }
  return r2;
}

void bins_scalar(const float* x, std::size_t n, const BinMap& map, std::int32_t* bin) {
  for (std::size_t i = 0; i < n; ++i) bin[i] = map(x[i]);
}

void bins_and_q_scalar(const float* x, std::size_t n, const BinMap& map, std::int32_t* bin, std::int32_t* q) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t qi = map.scale.quantize(static_cast<double>(x[i]));
    q[i] = static_cast<std::int32_t>(qi);
    bin[i] = map.bin_of_q(qi);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
/// u = q + 2^31 - 1 as eight uint32, for eight floats: the same IEEE operations as
/// FixedPointScale::quantize (no FMA; min/max clamp the same as its compare-selects for non-NaN
/// input); |q| <= 2^31 - 1 after the clamp, so truncating to int32 equals quantize's truncation to
/// int64, and q + 2^31 - 1 wraps to the right uint32.
struct QuantizeAvx2 {
  __m256d center, mul, qmax, qmin, sign, half;
  __m256i offset;
  __attribute__((target("avx2"))) explicit QuantizeAvx2(const FixedPointScale& s)
      : center(_mm256_set1_pd(s.center)), mul(_mm256_set1_pd(s.scale)), qmax(_mm256_set1_pd(2147483647.0)),
        qmin(_mm256_set1_pd(-2147483647.0)), sign(_mm256_set1_pd(-0.0)), half(_mm256_set1_pd(0.5)),
        offset(_mm256_set1_epi32(static_cast<int>(BinMap::kQOffset))) {}
  __attribute__((target("avx2"))) __m128i q4(const float* x) const {
    __m256d y = _mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x)), center), mul);
    y = _mm256_min_pd(_mm256_max_pd(y, qmin), qmax);
    y = _mm256_add_pd(y, _mm256_or_pd(_mm256_and_pd(y, sign), half));  // y + copysign(0.5, y)
    return _mm256_cvttpd_epi32(y);
  }
  __attribute__((target("avx2"))) __m256i u8(const float* x) const {
    return _mm256_add_epi32(_mm256_set_m128i(q4(x + 4), q4(x)), offset);
  }
};

/// Bin and offset of eight u: (u * bins) >> 32 and u - b * width, in uint32 lanes (both fit). For
/// a power of two (the default 65,536 bins) these are a shift and a mask.
struct BinOfU {
  __m256i bins64, width32, low_mask;
  __m128i bin_shift;
  bool pow2;
  __attribute__((target("avx2"))) BinOfU(std::uint64_t bins, std::uint64_t width)
      : bins64(_mm256_set1_epi64x(static_cast<long long>(bins))),
        width32(_mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(width)))),  // b = 0 when bins = 1
        low_mask(_mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(width - 1)))),
        bin_shift(_mm_cvtsi32_si128(32 - std::countr_zero(bins))),
        pow2(std::has_single_bit(bins)) {}
  __attribute__((target("avx2"))) __m256i bin(__m256i u) const {
    if (pow2) return _mm256_srl_epi32(u, bin_shift);
    const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(u, bins64), 32);  // lanes 0, 2, 4, 6
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(u, 32), bins64);   // high halves: 1, 3, 5, 7
    return _mm256_blend_epi32(even, odd, 0xAA);
  }
  __attribute__((target("avx2"))) __m256i offset(__m256i u, __m256i b) const {
    if (pow2) return _mm256_and_si256(u, low_mask);
    return _mm256_sub_epi32(u, _mm256_mullo_epi32(b, width32));
  }
};

/// The same, eight values per step. The scalar adds into the words of step i - 1 are issued in
/// step i, so that they overlap the vector work instead of following it.
__attribute__((target("avx2"))) u128 add_block_avx2(const float* x, std::size_t n, const BinMap& map,
                                                    const PackedLayout& L, std::uint64_t* words, std::int32_t* bin) {
  const QuantizeAvx2 quant(map.scale);
  const BinOfU bin_of(map.bins, L.width);
  const std::uint64_t one = std::uint64_t{1} << L.shift;
  alignas(32) std::uint32_t offset[kBlock];
  // r^2 in 64-bit lanes: at most kBlock / 8 = 64 values per lane, each below 2^58.
  __m256i r2_even = _mm256_setzero_si256(), r2_odd = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i u = quant.u8(x + i);
    const __m256i b = bin_of.bin(u);
    const __m256i r = bin_of.offset(u, b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bin + i), b);
    _mm256_store_si256(reinterpret_cast<__m256i*>(offset + i), r);
    const __m256i r_odd = _mm256_srli_epi64(r, 32);
    r2_even = _mm256_add_epi64(r2_even, _mm256_mul_epu32(r, r));
    r2_odd = _mm256_add_epi64(r2_odd, _mm256_mul_epu32(r_odd, r_odd));
    if (i >= 8)
      for (std::size_t j = i - 8; j < i; ++j) words[bin[j]] += one + offset[j];
  }
  if (i >= 8)
    for (std::size_t j = i - 8; j < i; ++j) words[bin[j]] += one + offset[j];
  alignas(32) std::uint64_t e[4], o[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(e), r2_even);
  _mm256_store_si256(reinterpret_cast<__m256i*>(o), r2_odd);
  u128 r2 = 0;
  for (int j = 0; j < 4; ++j) r2 += static_cast<u128>(e[j]) + o[j];
  return r2 + add_block_scalar(x + i, n - i, map, L, words, bin + i);
}

__attribute__((target("avx2"))) void bins_avx2(const float* x, std::size_t n, const BinMap& map, std::int32_t* bin) {
  const QuantizeAvx2 quant(map.scale);
  const BinOfU bin_of(map.bins, (std::uint64_t{1} << 32) / map.bins);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_si256(reinterpret_cast<__m256i*>(bin + i), bin_of.bin(quant.u8(x + i)));
  bins_scalar(x + i, n - i, map, bin + i);
}

__attribute__((target("avx2"))) void bins_and_q_avx2(const float* x, std::size_t n, const BinMap& map,
                                                     std::int32_t* bin, std::int32_t* q) {
  const QuantizeAvx2 quant(map.scale);
  const BinOfU bin_of(map.bins, (std::uint64_t{1} << 32) / map.bins);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i u = quant.u8(x + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bin + i), bin_of.bin(u));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_sub_epi32(u, quant.offset));  // wraps back to q
  }
  bins_and_q_scalar(x + i, n - i, map, bin + i, q + i);
}

/// Per 8-bit lane mask: the indices of its set lanes, in order (the AVX2 left-pack table).
constexpr auto kLeftPack = [] {
  std::array<std::array<std::uint8_t, 8>, 256> t{};
  for (unsigned m = 0; m < 256; ++m) {
    int k = 0;
    for (unsigned j = 0; j < 8; ++j)
      if ((m >> j) & 1U) t[m][static_cast<std::size_t>(k++)] = static_cast<std::uint8_t>(j);
  }
  return t;
}();

/// The values of a block whose coarse cell -- clamp(trunc((x - lo) * inv), 0, top) in float
/// arithmetic -- is flagged in `cells` (a bitmap: bit c % 32 of word c / 32), in order; returns
/// how many. Eight values per step, a few vector operations and one gather, no branch.
__attribute__((target("avx2"))) std::size_t flagged_cells_avx2(const float* x, std::size_t n, float lo, float inv,
                                                               float top, const std::uint32_t* cells, float* out) {
  const __m256 l = _mm256_set1_ps(lo), m = _mm256_set1_ps(inv), t = _mm256_set1_ps(top), z = _mm256_setzero_ps();
  const __m256i low_bits = _mm256_set1_epi32(31), one = _mm256_set1_epi32(1);
  std::size_t k = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256i c = _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_sub_ps(v, l), m), z), t));
    const __m256i w = _mm256_i32gather_epi32(reinterpret_cast<const int*>(cells), _mm256_srli_epi32(c, 5), 4);
    const __m256i f = _mm256_and_si256(_mm256_srlv_epi32(w, _mm256_and_si256(c, low_bits)), one);
    const __m256i hit = _mm256_cmpgt_epi32(f, _mm256_setzero_si256());
    const auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(hit)));
    // Branch-free left-pack of the flagged lanes (the store may write up to 8 lanes; `out` has
    // room for n + 8).
    const __m256i perm =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kLeftPack[mask].data())));
    _mm256_storeu_ps(out + k, _mm256_permutevar8x32_ps(v, perm));
    k += static_cast<std::size_t>(std::popcount(mask));
  }
  for (; i < n; ++i) {
    const float c = (x[i] - lo) * inv;
    const auto cell = static_cast<std::size_t>(std::min(std::max(c, 0.0f), top));
    if (((cells[cell >> 5] >> (cell & 31)) & 1U) != 0) out[k++] = x[i];
  }
  return k;
}

/// The first screen of two_level_cells_avx512: coarse cell = fine cell >> shift (at most 2048
/// coarse cells), flagged when any of its fine cells is.
struct CoarseCells {
  alignas(64) std::uint32_t words[64] = {};
  int shift = 0;
};

/// The values of a block whose fine cell is flagged in `cells`, as flagged_cells_avx2 returns them
/// (in order), through two screens. Sixteen values per step: the fine cell c (the same float
/// operations), then the bit of c's coarse cell from a 64-word bitmap held in four registers (two
/// vpermt2d and a blend) -- no memory gather, which on its own costs about as much as the rest of
/// the pass; the lanes that pass (a few percent of the values for sparse flags) go to `scratch`,
/// and a second loop tests those against the fine bitmap with a gather. Both buffers have room
/// for n + 16 (each step stores a whole vector).
__attribute__((target("avx512f"))) std::size_t two_level_cells_avx512(const float* x, std::size_t n, float lo,
                                                                      float inv, float top,
                                                                      const std::uint32_t* cells,
                                                                      const CoarseCells& coarse, float* scratch,
                                                                      float* out) {
  const __m512 l = _mm512_set1_ps(lo), m = _mm512_set1_ps(inv), t = _mm512_set1_ps(top), z = _mm512_setzero_ps();
  const __m512i low_bits = _mm512_set1_epi32(31), one = _mm512_set1_epi32(1), high_half = _mm512_set1_epi32(32);
  const __m512i w0 = _mm512_load_si512(coarse.words), w1 = _mm512_load_si512(coarse.words + 16);
  const __m512i w2 = _mm512_load_si512(coarse.words + 32), w3 = _mm512_load_si512(coarse.words + 48);
  const __m128i shift = _mm_cvtsi32_si128(coarse.shift);
#define RAPIDNN_FINE_CELL(v) \
  _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_sub_ps(v, l), m), z), t))
  std::size_t k = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512i q = _mm512_srl_epi32(RAPIDNN_FINE_CELL(v), shift);
    const __m512i word = _mm512_srli_epi32(q, 5);  // 0..63: bit 5 picks the register pair
    const __m512i w = _mm512_mask_blend_epi32(_mm512_test_epi32_mask(word, high_half),
                                              _mm512_permutex2var_epi32(w0, word, w1),
                                              _mm512_permutex2var_epi32(w2, word, w3));
    const __mmask16 hit = _mm512_test_epi32_mask(_mm512_srlv_epi32(w, _mm512_and_si512(q, low_bits)), one);
    _mm512_storeu_ps(scratch + k, _mm512_maskz_compress_ps(hit, v));
    k += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(hit)));
  }
  for (; i < n; ++i) scratch[k++] = x[i];  // the fine screen below tests these
  std::size_t kept = 0, j = 0;
  for (; j + 16 <= k; j += 16) {
    const __m512 v = _mm512_loadu_ps(scratch + j);
    const __m512i c = RAPIDNN_FINE_CELL(v);
    const __m512i w = _mm512_i32gather_epi32(_mm512_srli_epi32(c, 5), cells, 4);
    const __mmask16 hit = _mm512_test_epi32_mask(_mm512_srlv_epi32(w, _mm512_and_si512(c, low_bits)), one);
    _mm512_storeu_ps(out + kept, _mm512_maskz_compress_ps(hit, v));
    kept += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(hit)));
  }
  for (; j < k; ++j) {
    const float c = (scratch[j] - lo) * inv;
    const auto cell = static_cast<std::size_t>(std::min(std::max(c, 0.0f), top));
    if (((cells[cell >> 5] >> (cell & 31)) & 1U) != 0) out[kept++] = scratch[j];
  }
  return kept;
#undef RAPIDNN_FINE_CELL
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");
const bool kHasAvx512 = kHasAvx2 && __builtin_cpu_supports("avx512f");
#endif

template <class T>
u128 add_block(const T* x, std::size_t n, const BinMap& map, const PackedLayout& L, std::uint64_t* words,
               std::int32_t* bin) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (std::is_same_v<T, float>) {
    if (kHasAvx2 && L.r_bits <= 29) return add_block_avx2(x, n, map, L, words, bin);
  }
#endif
  return add_block_scalar(x, n, map, L, words, bin);
}

void bins_block(const float* x, std::size_t n, const BinMap& map, std::int32_t* bin) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (kHasAvx2) return bins_avx2(x, n, map, bin);
#endif
  bins_scalar(x, n, map, bin);
}

template <class T>
void accumulate_impl(std::span<const T> values, Histogram1D& h) {
  struct MinMax {
    float min = kPosInf, max = -kPosInf;
  };
  struct Local {
    std::vector<std::uint64_t> words;  // packed count + offsets per bin
    std::uint64_t pending = 0;         // values added to `words` since the last flush
    // Exact per-bin counts and sums, allocated at the first flush before the end (most shards
    // never need one: a word holds millions of values).
    std::vector<std::uint64_t> counts;
    std::vector<std::int64_t> sums_q;
    std::vector<MinMax> extrema;  // empty unless kept
    i128 q2_flushed = 0;          // sum over flushed bins of count base^2 + 2 base sum(r)
    u128 r2 = 0;                  // sum of r^2 over all values
  };
  const BinMap map = h.map();
  const PackedLayout layout(map.bins);
  const auto B = static_cast<std::size_t>(h.bins);
  const bool keep_extrema = h.has_extrema();
  // Words into exact 64-bit counts and sums: sum q = sum r + count * base.
  auto flush = [&](Local& l, std::uint64_t* counts, std::int64_t* sums_q) {
    for (std::size_t b = 0; b < B; ++b) {
      const std::uint64_t w = l.words[b];
      if (w == 0) continue;
      const std::uint64_t c = layout.count(w), sr = layout.offsets(w);
      const std::int64_t base = static_cast<std::int64_t>(b * layout.width) - BinMap::kQOffset;
      counts[b] += c;
      sums_q[b] += static_cast<std::int64_t>(sr) + static_cast<std::int64_t>(c) * base;
      l.q2_flushed += static_cast<i128>(base) * (static_cast<i128>(c) * base + 2 * static_cast<i128>(sr));
      l.words[b] = 0;
    }
    l.pending = 0;
  };
  auto flush_local = [&](Local& l) {
    if (l.counts.empty()) {
      l.counts.assign(B, 0);
      l.sums_q.assign(B, 0);
    }
    flush(l, l.counts.data(), l.sums_q.data());
  };
  tbb::combinable<Local> local(
      [&] { return Local{std::vector<std::uint64_t>(B, 0), 0, {}, {}, std::vector<MinMax>(keep_extrema ? B : 0)}; });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Local& l = local.local();
                      std::uint64_t* words = l.words.data();
                      MinMax* ext = l.extrema.data();
                      std::int32_t bin[kBlock];
                      for (std::size_t b0 = r.begin(); b0 < r.end(); b0 += kBlock) {
                        const std::size_t n = std::min(kBlock, r.end() - b0);
                        if (l.pending + n > layout.max_values) flush_local(l);
                        l.pending += n;
                        l.r2 += add_block(values.data() + b0, n, map, layout, words, bin);
                        if (keep_extrema) {
                          for (std::size_t i = 0; i < n; ++i) {
                            const auto xf = static_cast<float>(values[b0 + i]);
                            MinMax& m = ext[bin[i]];
                            m.min = xf < m.min ? xf : m.min;
                            m.max = xf > m.max ? xf : m.max;
                          }
                        }
                      }
                    });
  // Integer sums and min/max: the combination order does not change the result.
  i128 q2 = 0;
  local.combine_each([&](Local& part) {
    flush(part, h.counts.data(), h.sums_q.data());
    for (std::size_t b = 0; b < part.counts.size(); ++b) {
      h.counts[b] += part.counts[b];
      h.sums_q[b] += part.sums_q[b];
    }
    for (std::size_t b = 0; b < part.extrema.size(); ++b) {
      h.mins[b] = std::min(h.mins[b], part.extrema[b].min);
      h.maxs[b] = std::max(h.maxs[b], part.extrema[b].max);
    }
    q2 += part.q2_flushed + static_cast<i128>(part.r2);
  });
  // This call's sum of q^2 (>= 0) into the two words: hi * 2^31 + lo.
  const auto total = static_cast<u128>(q2);
  h.q2_words[0] += static_cast<std::int64_t>(total >> 31);
  h.q2_words[1] += static_cast<std::int64_t>(total & kLimbMask);
}
}  // namespace

void accumulate_histogram(std::span<const float> values, Histogram1D& h) { accumulate_impl(values, h); }
void accumulate_histogram(std::span<const double> values, Histogram1D& h) { accumulate_impl(values, h); }

void bins_of(std::span<const float> values, const BinMap& map, std::int32_t* bins) {
  for (std::size_t b0 = 0; b0 < values.size(); b0 += kBlock)
    bins_block(values.data() + b0, std::min(kBlock, values.size() - b0), map, bins + b0);
}

void bins_and_q_of(std::span<const float> values, const BinMap& map, std::int32_t* bins, std::int32_t* q) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (kHasAvx2) return bins_and_q_avx2(values.data(), values.size(), map, bins, q);
#endif
  bins_and_q_scalar(values.data(), values.size(), map, bins, q);
}

namespace {

/// A cheap conservative test for "the value's bin may be flagged": cells of x in float arithmetic
/// (a few operations for eight values, against the exact bin's double-precision quantisation),
/// each flagged when a flagged bin can reach it. Only values in flagged cells get their exact bin.
constexpr std::int64_t kCellsPerBin = 4;                   // finer than the bins: fewer false candidates
constexpr std::int64_t kMaxCells = std::int64_t{1} << 18;  // a 32 KiB bitmap: it stays in L1
struct CoarseFilter {
  float lo = 0, inv = 0, top = 0;  // top = cells - 1
  std::vector<std::uint32_t> cells;  // bitmap
};

/// The filter for `flags`; empty (no filtering) when the float error bound does not allow one.
CoarseFilter coarse_filter(const Histogram1D& h, std::span<const std::uint8_t> flags) {
  const auto C = static_cast<std::size_t>(std::min(kCellsPerBin * static_cast<std::int64_t>(h.bins), kMaxCells));
  const double range = h.max - h.min;
  CoarseFilter f;
  if (!(range > 0)) return f;
  f.lo = static_cast<float>(h.min);
  f.inv = static_cast<float>(static_cast<double>(C) / range);
  f.top = static_cast<float>(C - 1);
  // The float cell (x - lo) * inv is within E of the exact (x - min) C / range: the rounding of lo
  // and of inv, the subtraction and the product, each at most half an ulp (relative 2^-24).
  const double E = std::ldexp(static_cast<double>(C), -24) * (std::max(std::abs(h.min), std::abs(h.max)) / range + 4.0);
  if (!(E < 0.25)) return f;  // far from zero: the filter would pass everything
  f.cells.assign((C + 31) / 32, 0);
  const double to_cell = static_cast<double>(C) / range;
  // A value in bin b has u in [u0, u1] (u0 = ceil(b 2^32 / bins)), so (x - center) * scale lies
  // within half a unit (plus its own rounding, ~2^-21 units) of [u0, u1] - 2^31 + 1.
  auto cell_at = [&](double u) {
    const double x = h.scale.center + (u - static_cast<double>(BinMap::kQOffset)) / h.scale.scale;
    return (x - h.min) * to_cell;
  };
  const auto B = static_cast<std::uint64_t>(h.bins);
  const auto last = static_cast<double>(C - 1);
  for (std::uint64_t b = 0; b < B; ++b) {
    if (flags[b] == 0) continue;
    const auto u0 = static_cast<double>(((static_cast<u128>(b) << 32) + B - 1) / B);
    const auto u1 = static_cast<double>(((static_cast<u128>(b + 1) << 32) + B - 1) / B) - 1;
    const double c0 = std::clamp(std::floor(cell_at(u0 - 0.501) - E), 0.0, last);
    const double c1 = std::clamp(std::floor(cell_at(u1 + 0.501) + E), 0.0, last);
    for (auto c = static_cast<std::size_t>(c0); c <= static_cast<std::size_t>(c1); ++c)
      f.cells[c >> 5] |= 1U << (c & 31);
  }
  return f;
}

}  // namespace

bool bin_screen_available(BinScreen screen) {
  switch (screen) {
    case BinScreen::kFastest:
    case BinScreen::kNone:
      return true;
#if defined(__x86_64__) && defined(__GNUC__)
    case BinScreen::kFineCells:
      return kHasAvx2;
    case BinScreen::kTwoLevelCells:
      return kHasAvx512;
#else
    case BinScreen::kFineCells:
    case BinScreen::kTwoLevelCells:
      return false;
#endif
  }
  return false;
}

std::vector<float> values_in_bins(std::span<const float> values, const Histogram1D& h,
                                  std::span<const std::uint8_t> flags, BinScreen screen) {
  RAPIDNN_ASSERT(flags.size() == static_cast<std::size_t>(h.bins));
  const BinMap map = h.map();
  CoarseFilter filter;
  CoarseCells coarse;
  bool two_level = false;
#if defined(__x86_64__) && defined(__GNUC__)
  if (screen == BinScreen::kFastest) screen = BinScreen::kTwoLevelCells;
  if (screen == BinScreen::kTwoLevelCells && !kHasAvx512) screen = BinScreen::kFineCells;
  if (screen != BinScreen::kNone && kHasAvx2) filter = coarse_filter(h, flags);
  if (screen == BinScreen::kTwoLevelCells && !filter.cells.empty()) {
    two_level = true;
    const auto fine_cells = static_cast<std::uint32_t>(filter.top) + 1;
    coarse.shift = std::max(0, static_cast<int>(std::bit_width(fine_cells - 1)) - 11);
    RAPIDNN_ASSERT(((fine_cells - 1) >> coarse.shift) < 32 * std::size(coarse.words));
    for (std::size_t w = 0; w < filter.cells.size(); ++w)
      for (std::uint32_t bits = filter.cells[w]; bits != 0; bits &= bits - 1) {
        const std::size_t q = (32 * w + static_cast<std::size_t>(std::countr_zero(bits))) >> coarse.shift;
        coarse.words[q >> 5] |= 1U << (q & 31);
      }
  }
#else
  (void)screen;
#endif
  tbb::combinable<std::vector<float>> local;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::vector<float>& out = local.local();
                      std::int32_t bin[kBlock];
                      float candidate[kBlock + 16];
                      float scratch[kBlock + 16];
                      for (std::size_t b0 = r.begin(); b0 < r.end(); b0 += kBlock) {
                        std::size_t n = std::min(kBlock, r.end() - b0);
                        const float* x = values.data() + b0;
#if defined(__x86_64__) && defined(__GNUC__)
                        if (two_level) {
                          n = two_level_cells_avx512(x, n, filter.lo, filter.inv, filter.top, filter.cells.data(),
                                                     coarse, scratch, candidate);
                          x = candidate;
                        } else if (!filter.cells.empty()) {
                          n = flagged_cells_avx2(x, n, filter.lo, filter.inv, filter.top, filter.cells.data(),
                                                 candidate);
                          x = candidate;
                        }
#else
                        (void)candidate;
                        (void)scratch;
#endif
                        bins_block(x, n, map, bin);
                        for (std::size_t i = 0; i < n; ++i)
                          if (flags[static_cast<std::size_t>(bin[i])] != 0) out.push_back(x[i]);
                      }
                    });
  std::vector<float> all;
  local.combine_each([&](std::vector<float>& part) {
    if (all.empty()) {
      all.swap(part);  // one thread: no copy
    } else {
      all.insert(all.end(), part.begin(), part.end());
    }
  });
  return all;
}

}  // namespace rapidnn::cluster
