#pragma once
// The streaming read that benchmarks time to measure memory bandwidth: a parallel sum of the
// floats in 32 independent lanes (element-wise adds the compiler vectorises), so that it is bound
// by memory, not by the latency of a few dependent float adds (four accumulators ran at ~14 GB/s
// per core, below what the codebook kernels themselves read at).
#include <cstddef>
#include <span>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

namespace rapidnn::bench {

inline double stream_sum(std::span<const float> v) {
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, v.size(), 1 << 16), 0.0,
      [&](const tbb::blocked_range<std::size_t>& r, double acc) {
        constexpr std::size_t kLanes = 32;
        float s[kLanes] = {};
        std::size_t i = r.begin();
        for (; i + kLanes <= r.end(); i += kLanes)
          for (std::size_t l = 0; l < kLanes; ++l) s[l] += v[i + l];
        for (; i < r.end(); ++i) s[0] += v[i];
        for (std::size_t l = 0; l < kLanes; ++l) acc += s[l];
        return acc;
      },
      [](double a, double b) { return a + b; });
}

}  // namespace rapidnn::bench
