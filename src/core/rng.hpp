#pragma once
// Counter-based random numbers (Random123 Philox4x32-10), keyed by (seed, domain, item) and never
// by rank, so a result does not depend on how items are spread over ranks (DESIGN.md).
// Distributions are implemented here, not with <random>, so they are identical on every toolchain.
#include <cmath>
#include <cstdint>
#include <numbers>

#include <Random123/philox.h>

namespace rapidnn {

/// Well-known domains keep independent streams apart for the same (seed, item).
enum class RngDomain : std::uint32_t {
  kWeightInit = 1,
  kShuffle = 2,
  kDropout = 3,
  kSampling = 4,
  kKmeansInit = 5,
  kSyntheticData = 6,
  kMonteCarlo = 7,
  kSearchError = 8,
  kUser = 100,
};

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint32_t domain, std::uint64_t item)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        ctr_{{0u, domain, static_cast<std::uint32_t>(item), static_cast<std::uint32_t>(item >> 32)}} {}
  CounterRng(std::uint64_t seed, RngDomain domain, std::uint64_t item)
      : CounterRng(seed, static_cast<std::uint32_t>(domain), item) {}

  std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return block_.v[used_++];
  }
  std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform in (0, 1]: safe to take the logarithm of.
  double uniform_open_low() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }
  /// Uniform integer in [0, n) without modulo bias (Lemire's method with rejection).
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = next_u64();
      __extension__ using u128 = unsigned __int128;
      const u128 m = static_cast<u128>(x) * n;
      if (static_cast<std::uint64_t>(m) >= threshold) return static_cast<std::uint64_t>(m >> 64);
    }
  }
  /// Standard normal by the Box-Muller transform (both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open_low()));
    const double theta = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  /// Laplace(0, b) by inversion.
  double laplace(double b) {
    const double u = uniform() - 0.5;
    return -b * std::copysign(1.0, u) * std::log1p(-2.0 * std::fabs(u));
  }
  /// Laplace(0, b) from ONE 32-bit draw, for float outputs (synthetic weights): the top bit is the
  /// sign, the other 31 give V = (r + 1/2) 2^-31 in (0, 1) exactly, and |x| = -b ln V is
  /// Exponential(b). A quarter of a Philox block and one log per value (laplace() takes half a
  /// block and a log1p); the resolution of V limits |x| / b to [2^-32, 22.2].
  double laplace32(double b) {
    const std::uint32_t r = next_u32();
    const double v = (static_cast<double>(r & 0x7fffffffu) + 0.5) * 0x1.0p-31;
    const double e = -b * std::log(v);
    return (r >> 31) != 0 ? -e : e;
  }

 private:
  void refill() {
    block_ = philox_(ctr_, key_);
    ++ctr_.v[0];
    used_ = 0;
  }
  using Philox = r123::Philox4x32;
  Philox philox_{};
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type block_{};
  int used_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace rapidnn
