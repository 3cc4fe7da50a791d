#pragma once
// Reference answers a search is judged against (brute force, O(rows)).
#include <bit>
#include <cstdint>
#include <span>

namespace rapidnn::ndcam {

inline std::uint64_t abs_distance(std::uint32_t a, std::uint32_t b) {
  return a > b ? std::uint64_t{a} - b : std::uint64_t{b} - a;
}

inline int hamming_distance(std::uint32_t a, std::uint32_t b) { return std::popcount(a ^ b); }

/// Smallest |table[r] - query| over the rows.
std::uint64_t nearest_absolute_distance(std::span<const std::uint32_t> table, std::uint32_t query);

/// Lowest row index with the smallest (table[r] XOR query): what the nominal binary-weighted
/// NDCAM returns when its sense amplifier resolves every current step.
std::uint32_t min_xor_row(std::span<const std::uint32_t> table, std::uint32_t query);

/// Lowest row index with the smallest Hamming distance to the query.
std::uint32_t min_hamming_row(std::span<const std::uint32_t> table, std::uint32_t query);

/// Signed number of table positions between the returned value and the correct (nearest)
/// value: 0 when the returned value is a nearest one; otherwise +-(1 + rows strictly between
/// them), + when the returned value is larger. Of two equidistant nearest values the one on the
/// returned value's side is used.
std::int64_t rank_offset(std::span<const std::uint32_t> table, std::uint32_t query,
                         std::uint32_t returned_value);

}  // namespace rapidnn::ndcam
