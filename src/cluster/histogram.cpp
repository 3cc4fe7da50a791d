#include "cluster/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
                      std::uint64_t hi = 0, lo = 0;
                      for (std::size_t i = r.begin(); i != r.end(); ++i) {
                        const double x = values[i];
                        const auto xf = static_cast<float>(values[i]);
                        const std::int64_t q = scale.quantize(x);
                        const auto sq = static_cast<std::uint64_t>(q * q);  // < 2^62
                        Bin& b = bins[bin_of(x)];
                        b.count += 1;
                        b.sum_q += q;
                        b.min = xf < b.min ? xf : b.min;
                        b.max = xf > b.max ? xf : b.max;
                        hi += sq >> 31;
                        lo += sq & kLimbMask;
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

std::vector<float> values_in_bins(std::span<const float> values, const Histogram1D& h,
                                  std::span<const std::uint8_t> flags) {
  RAPIDNN_ASSERT(flags.size() == static_cast<std::size_t>(h.bins));
  const BinMap bin_of = h.map();
  tbb::combinable<std::vector<float>> local;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::vector<float>& out = local.local();
                      for (std::size_t i = r.begin(); i != r.end(); ++i) {
                        if (flags[static_cast<std::size_t>(bin_of(values[i]))] != 0) out.push_back(values[i]);
                      }
                    });
  std::vector<float> all;
  local.combine_each([&](const std::vector<float>& part) { all.insert(all.end(), part.begin(), part.end()); });
  return all;
}

}  // namespace rapidnn::cluster
