#include "cluster/histogram.hpp"

#include <algorithm>
#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>

#include "core/error.hpp"

namespace rapidnn::cluster {

Histogram1D make_histogram(double min_value, double max_value, int bins) {
  RAPIDNN_THROW_IF_NOT(bins >= 1, InvalidArgument, "make_histogram: bins must be >= 1, got {}", bins);
  Histogram1D h;
  h.scale = FixedPointScale::from_range(min_value, max_value);
  h.min = min_value;
  h.max = max_value;
  h.bins = bins;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  h.sums_q.assign(static_cast<std::size_t>(bins), 0);
  return h;
}

int Histogram1D::bin_of(double x) const {
  const double width = max - min;
  if (!(width > 0)) return 0;
  // Same arithmetic as the accumulation kernel, so bin_of agrees with it bit for bit.
  const double inv = bins / width;
  const double top = static_cast<double>(bins - 1);
  double t = (x - min) * inv;
  t = t < 0 ? 0 : (t > top ? top : t);
  return static_cast<int>(t);
}

Histogram1D& Histogram1D::operator+=(const Histogram1D& other) {
  RAPIDNN_ASSERT(bins == other.bins && min == other.min && max == other.max);
  for (std::size_t b = 0; b < counts.size(); ++b) {
    counts[b] += other.counts[b];
    sums_q[b] += other.sums_q[b];
  }
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
  const double width = h.max - h.min;
  const double inv = width > 0 ? h.bins / width : 0.0;
  const double top = static_cast<double>(h.bins - 1);
  // Per-thread bins with count and sum side by side: one cache line per update.
  struct Bin {
    std::int64_t count = 0, sum_q = 0;
  };
  const double lo = h.min;
  const FixedPointScale scale = h.scale;
  tbb::combinable<std::vector<Bin>> local([&] { return std::vector<Bin>(static_cast<std::size_t>(h.bins)); });
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, values.size(), std::size_t{1} << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      Bin* bins = local.local().data();
                      for (std::size_t i = r.begin(); i != r.end(); ++i) {
                        const double x = values[i];
                        double t = (x - lo) * inv;
                        t = t < 0 ? 0 : (t > top ? top : t);
                        Bin& b = bins[static_cast<std::size_t>(t)];
                        b.count += 1;
                        b.sum_q += scale.quantize(x);
                      }
                    });
  // Integer sums: the combination order does not change the result.
  local.combine_each([&](const std::vector<Bin>& part) {
    for (std::size_t b = 0; b < part.size(); ++b) {
      h.counts[b] += static_cast<std::uint64_t>(part[b].count);
      h.sums_q[b] += part[b].sum_q;
    }
  });
}
}  // namespace

void accumulate_histogram(std::span<const float> values, Histogram1D& h) { accumulate_impl(values, h); }
void accumulate_histogram(std::span<const double> values, Histogram1D& h) { accumulate_impl(values, h); }

}  // namespace rapidnn::cluster
