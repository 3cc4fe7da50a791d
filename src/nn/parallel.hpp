#pragma once
// Internal: fixed-grain parallel loops over index ranges. A simple_partitioner splits a range
// by halving until a chunk is at most `grain`, so chunk boundaries depend only on (n, grain) and
// never on the thread count: results that are summed per chunk stay bit-identical.
#include <algorithm>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace rapidnn::nn::detail {

/// Calls fn(begin, end) over [0, n) in chunks of at most grain (>= 1).
template <class Fn>
void parallel_chunks(std::int64_t n, std::int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(1, grain);
  if (n <= grain) {
    fn(std::int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::int64_t>& r) { fn(r.begin(), r.end()); },
                    tbb::simple_partitioner());
}

/// Splits [0, n) into ceil(n/chunk) chunks [i*chunk, min(n, (i+1)*chunk)) and calls
/// fn(i, begin, end) for each in parallel; callers can keep per-chunk partial results and
/// reduce them in chunk order.
template <class Fn>
void parallel_fixed_chunks(std::int64_t n, std::int64_t chunk, Fn&& fn) {
  if (n <= 0) return;
  chunk = std::max<std::int64_t>(1, chunk);
  const std::int64_t count = (n + chunk - 1) / chunk;
  auto body = [&](std::int64_t i) { fn(i, i * chunk, std::min(n, (i + 1) * chunk)); };
  if (count == 1) {
    body(0);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, count, 1),
                    [&](const tbb::blocked_range<std::int64_t>& r) {
                      for (std::int64_t i = r.begin(); i < r.end(); ++i) body(i);
                    },
                    tbb::simple_partitioner());
}

/// Grain for element-wise work on a rows x cols matrix: about 64k values per chunk.
inline std::int64_t row_grain(std::int64_t cols) {
  return std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, cols));
}

}  // namespace rapidnn::nn::detail
