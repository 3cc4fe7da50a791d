#include "cluster/binned_kmeans.hpp"

#include <algorithm>
#include <cmath>

#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/weighted_lloyd.hpp"
#include "core/error.hpp"

namespace rapidnn::cluster {

std::vector<double> histogram_centroids(const Histogram1D& h, int k, const FastKMeansParams& params) {
  std::vector<double> points, weights;
  h.weighted_points(points, weights);
  RAPIDNN_ASSERT(points.size() >= static_cast<std::size_t>(k));
  // Exact DP on at most dp_points groups of consecutive non-empty bins (equal numbers of bins per
  // group): the optimal partition among those that do not cut a group.
  const std::size_t groups = std::max<std::size_t>(static_cast<std::size_t>(std::max(params.dp_points, 1)),
                                                   static_cast<std::size_t>(k));
  std::vector<double> centroids;
  if (points.size() <= groups) {
    centroids = kmeans1d_weighted_optimal(points, weights, k).centroids;
  } else {
    std::vector<double> gp(groups), gw(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t b = g * points.size() / groups, e = (g + 1) * points.size() / groups;
      long double w = 0, wp = 0;
      for (std::size_t t = b; t < e; ++t) {
        w += weights[t];
        wp += static_cast<long double>(weights[t]) * points[t];
      }
      gw[g] = static_cast<double>(w);
      gp[g] = static_cast<double>(wp / w);
    }
    // Group means are strictly ascending (disjoint groups of distinct ascending points) unless
    // rounding collapses two; merge such pairs.
    std::size_t m = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      if (m > 0 && gp[g] <= gp[m - 1]) {
        const double w = gw[m - 1] + gw[g];
        gp[m - 1] = (gp[m - 1] * gw[m - 1] + gp[g] * gw[g]) / w;
        gw[m - 1] = w;
      } else {
        gp[m] = gp[g];
        gw[m] = gw[g];
        ++m;
      }
    }
    gp.resize(m);
    gw.resize(m);
    centroids = m >= static_cast<std::size_t>(k) ? kmeans1d_weighted_optimal(gp, gw, k).centroids
                                                 : kmeans1d_weighted_optimal(points, weights, k).centroids;
  }
  // Lloyd on the fine points (the histogram only).
  const int fine_iterations = static_cast<int>(std::min<std::size_t>(
      static_cast<std::size_t>(std::max(params.histogram_lloyd_iterations, 0)),
      std::size_t{20'000'000} / points.size()));
  return weighted_lloyd_sorted(points, weights, centroids, fine_iterations, params.tolerance).centroids;
}

namespace {

/// This shard's values of the extracted bins, grouped by bin, with per-bin offsets.
struct ExtractedBins {
  std::vector<std::uint8_t> have;  // per bin: extracted already
  std::vector<float> values;       // grouped by bin (any order inside a bin)
  std::vector<std::int32_t> q;     // their quantised values (|q| < 2^31; each Lloyd step sums them)
  std::vector<std::uint32_t> begin;  // per bin b: values of b are [begin[b], begin[b + 1])
};

}  // namespace

Codebook1D binned_refine(std::span<const float> local, const Histogram1D& h, std::vector<double> centroids,
                         const FastKMeansParams& params, const SumReducer& reduce, BinnedRefineReport* report) {
  const auto K = centroids.size();
  const auto B = static_cast<std::size_t>(h.bins);
  RAPIDNN_ASSERT(K >= 1 && params.max_refine_passes >= 1);
  const BinMap bin_of = h.map();
  const FixedPointScale& scale = h.scale;
  ExtractedBins ext{std::vector<std::uint8_t>(B, 0), {}, {}, std::vector<std::uint32_t>(B + 1, 0)};
  BinnedRefineReport rep;

  // Bins holding a decision boundary; extract those not yet extracted (with their neighbours).
  auto boundary_bins = [&](const std::vector<double>& mids) {
    std::vector<std::size_t> bins(mids.size());
    for (std::size_t j = 0; j < mids.size(); ++j) bins[j] = static_cast<std::size_t>(bin_of(mids[j]));
    return bins;
  };
  auto missing = [&](const std::vector<std::size_t>& bins) {
    return std::any_of(bins.begin(), bins.end(), [&](std::size_t b) { return ext.have[b] == 0; });
  };
  auto extract = [&](const std::vector<std::size_t>& bins) {
    std::vector<std::uint8_t> flags(B, 0);
    for (const std::size_t b : bins) {
      if (ext.have[b] != 0) continue;
      for (std::size_t d = b == 0 ? 0 : b - 1; d <= std::min(B - 1, b + 1); ++d) flags[d] = ext.have[d] == 0 ? 1 : 0;
    }
    std::vector<float> got = values_in_bins(local, h, flags);
    for (std::size_t b = 0; b < B; ++b) ext.have[b] |= flags[b];
    if (ext.values.empty()) {
      ext.values = std::move(got);
    } else {
      ext.values.insert(ext.values.end(), got.begin(), got.end());
    }
    // Group by bin with a counting sort (O(m), not a comparison sort: ~1M values for fc6); the
    // order inside a bin does not matter, the statistics below are integer sums.
    const std::size_t m = ext.values.size();
    std::vector<std::int32_t> vb(m), vq(m);
    bins_and_q_of(ext.values, bin_of, vb.data(), vq.data());
    std::fill(ext.begin.begin(), ext.begin.end(), 0);
    for (const std::int32_t b : vb) ++ext.begin[static_cast<std::size_t>(b) + 1];
    for (std::size_t b = 0; b < B; ++b) ext.begin[b + 1] += ext.begin[b];
    std::vector<float> grouped(m);
    ext.q.resize(m);
    std::vector<std::uint32_t> fill(ext.begin.begin(), ext.begin.end() - 1);
    for (std::size_t t = 0; t < m; ++t) {
      const std::uint32_t to = fill[static_cast<std::size_t>(vb[t])]++;
      grouped[to] = ext.values[t];
      ext.q[to] = vq[t];
    }
    ext.values.swap(grouped);
    ++rep.data_passes;
  };

  std::vector<double> mids = centroid_midpoints(centroids);
  std::vector<std::size_t> mid_bins = boundary_bins(mids);
  extract(mid_bins);  // the first statistics always need one pass
  // Prefix sums of the bins' counts and sums: the whole bins of a cluster are a run of bins, so
  // each step costs O(k + values of the boundary bins), not O(bins).
  std::vector<std::int64_t> count_before(B + 1, 0), sum_before(B + 1, 0);
  for (std::size_t b = 0; b < B; ++b) {
    count_before[b + 1] = count_before[b] + static_cast<std::int64_t>(h.counts[b]);
    sum_before[b + 1] = sum_before[b] + h.sums_q[b];
  }
  std::vector<std::int64_t> whole(2 * K), part(2 * K);
  Codebook1D cb;
  for (;;) {
    // Statistics of the current centroids: whole bins from the histogram, boundary bins from the
    // extracted values (reduced over the shards). Cluster j's whole bins lie strictly between the
    // bins of midpoints j - 1 and j (mid_bins is ascending: the bin map is monotone).
    std::fill(part.begin(), part.end(), 0);
    for (std::size_t j = 0; j < K; ++j) {
      const std::size_t first = j == 0 ? 0 : mid_bins[j - 1] + 1;
      const std::size_t end = j + 1 == K ? B : mid_bins[j];
      const bool any = end > first;
      whole[2 * j] = any ? count_before[end] - count_before[first] : 0;
      whole[2 * j + 1] = any ? sum_before[end] - sum_before[first] : 0;
    }
    // A value's cluster is the number of midpoints strictly below it (nearest_index: a value on a
    // midpoint goes down). For the values of bin b, the midpoints of lower bins are all below and
    // those of higher bins all above (the bin map is monotone), so with b's own midpoints
    // j .. end - 1 (ascending), cluster m gets the values above midpoint m - 1 but not above m.
    // Counting "above" is branch-free, where a per-value search mispredicts on about half the
    // values of a boundary bin.
    for (std::size_t j = 0; j < mid_bins.size();) {
      const std::size_t b = mid_bins[j];
      std::size_t end = j + 1;
      while (end < mid_bins.size() && mid_bins[end] == b) ++end;
      const float* x = ext.values.data() + ext.begin[b];
      const std::int32_t* q = ext.q.data() + ext.begin[b];
      const std::size_t n = ext.begin[b + 1] - ext.begin[b];
      std::int64_t above_n = static_cast<std::int64_t>(n), above_s = 0;  // above midpoint j - 1: all
      for (std::size_t m = j; m < end; ++m) {
        std::int64_t count = 0, sum = 0, all = 0;
        for (std::size_t t = 0; t < n; ++t) {
          const std::int64_t up = static_cast<double>(x[t]) > mids[m] ? 1 : 0;
          count += up;
          sum += q[t] & -up;
          all += q[t];
        }
        if (m == j) above_s = all;  // the bin's whole sum, from the same loop
        part[2 * m] += above_n - count;
        part[2 * m + 1] += above_s - sum;
        above_n = count;
        above_s = sum;
      }
      part[2 * end] += above_n;
      part[2 * end + 1] += above_s;
      j = end;
    }
    reduce(part);
    long double scatter = static_cast<long double>(h.total_q2()), offset = 0;
    std::vector<double> next(centroids);
    cb.counts.assign(K, 0);
    for (std::size_t c = 0; c < K; ++c) {
      const std::int64_t n = whole[2 * c] + part[2 * c];
      if (n == 0) continue;
      const long double s = static_cast<long double>(whole[2 * c + 1] + part[2 * c + 1]);
      const long double mean_q = s / static_cast<long double>(n);
      const long double cq = (static_cast<long double>(centroids[c]) - scale.center) * scale.scale;
      scatter -= s * mean_q;
      offset += static_cast<long double>(n) * (mean_q - cq) * (mean_q - cq);
      cb.counts[c] = static_cast<std::uint64_t>(n);
      next[c] = scale.to_value(mean_q);
    }
    const long double unit = static_cast<long double>(scale.scale) * scale.scale;
    const long double wcss = (std::max(0.0L, scatter) + offset) / unit;
    cb.centroids = centroids;
    cb.wcss = static_cast<double>(wcss);
    cb.iterations = rep.lloyd_steps;
    // offset / unit is exactly the gain of one more Lloyd step, sum_c n_c (c - mean_c)^2.
    if (rep.lloyd_steps >= params.max_lloyd_steps || offset / unit <= params.tolerance * wcss) break;
    std::vector<double> next_mids = centroid_midpoints(next);
    std::vector<std::size_t> next_bins = boundary_bins(next_mids);
    if (missing(next_bins)) {
      if (rep.data_passes >= params.max_refine_passes) break;  // `cb` still describes `centroids`
      extract(next_bins);
    }
    centroids = std::move(next);
    mids = std::move(next_mids);
    mid_bins = std::move(next_bins);
    ++rep.lloyd_steps;
  }
  if (report != nullptr) *report = rep;
  return cb;
}

}  // namespace rapidnn::cluster
