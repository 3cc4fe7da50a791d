#pragma once
// What is stored in the NDCAM and what is searched for, per Monte Carlo trial.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/rng.hpp"

namespace rapidnn::ndcam {

enum class ValueDistribution {
  kUniform,   ///< rows and query uniform over [0, 2^value_bits)
  kGaussian,  ///< rows and query ~ N(2^(n-1), (2^n / 8)^2), rounded and clipped: a bell-shaped
              ///< pre-activation distribution stored as offset-binary fixed point
  kCodebook,  ///< a fixed table (e.g. an activation codebook exported by the composer);
              ///< query uniform over [min, max] of the table, or drawn from a given list
};

ValueDistribution parse_value_distribution(const std::string& name);
std::string to_string(ValueDistribution d);

struct WorkloadSpec {
  ValueDistribution distribution = ValueDistribution::kUniform;
  int rows = 16;
  int value_bits = 32;
  std::vector<std::uint32_t> codebook;  ///< kCodebook only; rows must equal codebook.size()
  /// kCodebook only: when non-empty, each query is one of these (drawn uniformly), e.g. the
  /// values a network actually looks up; empty: uniform over [min, max] of the table.
  std::vector<std::uint32_t> queries;
  /// Query the largest representable value, as max pooling does (the paper's 4x4 max-pool case).
  bool max_query = false;

  void validate() const;
};

/// Draws the table (rows values) and then the query from `rng`, in that order.
void draw_table(const WorkloadSpec& spec, CounterRng& rng, std::vector<std::uint32_t>& table);
std::uint32_t draw_query(const WorkloadSpec& spec, std::span<const std::uint32_t> table,
                         CounterRng& rng);

}  // namespace rapidnn::ndcam
