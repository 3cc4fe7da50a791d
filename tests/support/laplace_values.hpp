#pragma once
// Laplace(0, 1) test data as float32 from the counter-based RNG: the same values for the same
// (seed, item) on every machine and run.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace rapidnn::testing {

inline std::vector<float> laplace_values(std::size_t n, std::uint64_t seed, std::uint64_t item) {
  CounterRng rng(seed, RngDomain::kUser, item);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.laplace(1.0));
  return v;
}

}  // namespace rapidnn::testing
