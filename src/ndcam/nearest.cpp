#include "ndcam/nearest.hpp"

#include <limits>

#include "core/error.hpp"

namespace rapidnn::ndcam {

std::uint64_t nearest_absolute_distance(std::span<const std::uint32_t> table, std::uint32_t query) {
  RAPIDNN_THROW_IF_NOT(!table.empty(), InvalidArgument, "ndcam: empty table");
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  for (std::uint32_t v : table) best = std::min(best, abs_distance(v, query));
  return best;
}

std::uint32_t min_xor_row(std::span<const std::uint32_t> table, std::uint32_t query) {
  RAPIDNN_THROW_IF_NOT(!table.empty(), InvalidArgument, "ndcam: empty table");
  std::uint32_t best_row = 0;
  for (std::size_t r = 1; r < table.size(); ++r)
    if ((table[r] ^ query) < (table[best_row] ^ query)) best_row = static_cast<std::uint32_t>(r);
  return best_row;
}

std::uint32_t min_hamming_row(std::span<const std::uint32_t> table, std::uint32_t query) {
  RAPIDNN_THROW_IF_NOT(!table.empty(), InvalidArgument, "ndcam: empty table");
  std::uint32_t best_row = 0;
  for (std::size_t r = 1; r < table.size(); ++r)
    if (hamming_distance(table[r], query) < hamming_distance(table[best_row], query))
      best_row = static_cast<std::uint32_t>(r);
  return best_row;
}

std::int64_t rank_offset(std::span<const std::uint32_t> table, std::uint32_t query,
                         std::uint32_t returned_value) {
  const std::uint64_t d = nearest_absolute_distance(table, query);
  if (abs_distance(returned_value, query) == d) return 0;
  // The nearest value on the returned value's side of the query if it exists, else the other.
  const bool above = returned_value > query;
  const std::int64_t q = query;
  const std::int64_t side = above ? q + static_cast<std::int64_t>(d) : q - static_cast<std::int64_t>(d);
  bool side_exists = false;
  for (std::uint32_t v : table) side_exists = side_exists || static_cast<std::int64_t>(v) == side;
  const std::int64_t nearest =
      side_exists ? side : (above ? q - static_cast<std::int64_t>(d) : q + static_cast<std::int64_t>(d));
  const std::int64_t w = returned_value;
  const std::int64_t lo = std::min(w, nearest), hi = std::max(w, nearest);
  std::int64_t between = 0;
  for (std::uint32_t v : table) between += (static_cast<std::int64_t>(v) > lo && static_cast<std::int64_t>(v) < hi);
  return (w > nearest ? 1 : -1) * (between + 1);
}

}  // namespace rapidnn::ndcam
