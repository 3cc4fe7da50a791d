#pragma once
// Tree codebooks (Section 3.1, Figure 5): recursive exact 2-means to L levels. Level l has 2^l
// code slots; a value's code at level l+1 is its level-l code with one bit appended
// (code(l+1) >> 1 == code(l)), and codes are order-preserving (x <= y implies
// code(x, l) <= code(y, l)) so max-pooling works on codes (Section 4.2.1). Any level can be
// selected at run time.
//
// Nodes that cannot split (fewer than 2 distinct values, or empty): the choice made here is
// "2^l slots indexed by code, duplicates allowed". Such a node's two children both carry the
// parent's centroid; the left child (bit 0) keeps all the points, the right child (bit 1) gets
// count 0, and encode() always descends to the left. So
//   * level(l) always has exactly 2^l entries, ascending (non-strictly: duplicates are adjacent),
//   * the prefix property code(l+1) >> 1 == code(l) holds for every x and every level,
//   * encode(x, l) for a training value is the slot holding its cluster,
//   * nearest_index(level(l), x) (ties -> lower index) also picks the left, populated duplicate.
// distinct_level(l) gives the distinct centroids of a level (the "up to 2^l values").
//
// Each split is an exact 2-means of the node's sorted values (a prefix-sum scan over all n-1 cut
// positions). The split threshold stored for encode() is the midpoint of the two child centroids,
// clamped into [largest left value, smallest right value) so that every training value encodes
// to the cluster it was built in.
#include <cstdint>
#include <span>
#include <vector>

namespace rapidnn::cluster {

struct TreeCodebook {
  std::vector<std::vector<double>> level_centroids;        ///< [l-1]: level l, 2^l slots, ascending
  std::vector<std::vector<std::uint64_t>> level_counts;    ///< [l-1]: points per slot
  std::vector<double> level_wcss;                          ///< [l-1]: WCSS of level l
  /// [l]: for each of the 2^l nodes of level l (l = 0 is the root), a value goes to child bit 1
  /// iff x > threshold. +inf for nodes that cannot split.
  std::vector<std::vector<double>> split_thresholds;

  int levels() const { return static_cast<int>(level_centroids.size()); }
  /// Centroids of level l (1..levels()), indexed by code.
  const std::vector<double>& level(int l) const;
  /// Distinct centroids of level l, ascending (at most 2^l).
  std::vector<double> distinct_level(int l) const;
  /// Code of x at level l (order-preserving; code(l+1) = code(l)*2 + bit).
  std::uint32_t encode(double x, int l) const;
  /// The centroid that x is represented by at level l: level(l)[encode(x, l)].
  double decode(std::uint32_t code, int l) const;
};

inline constexpr int kMaxTreeLevels = 24;

/// Recursive exact 2-means to `levels` levels (1..kMaxTreeLevels). Throws InvalidArgument on empty
/// input, NaN/Inf values or levels out of range. Fewer than 2^levels distinct values is allowed
/// (unsplittable nodes, see above).
TreeCodebook build_tree_codebook(std::span<const float> values, int levels);
TreeCodebook build_tree_codebook(std::span<const double> values, int levels);
/// The same on values already sorted ascending (saves the sort when the caller also needs it).
TreeCodebook build_tree_codebook_sorted(std::span<const double> sorted, int levels);

/// Many independent small problems in parallel (oneTBB); errors as kmeans1d_optimal_batch.
std::vector<TreeCodebook> build_tree_codebook_batch(std::span<const std::span<const float>> problems,
                                                    int levels);

/// Exact 2-means split of ascending values: returns the index s (1..n-1) such that [0, s) and
/// [s, n) is an optimal split; requires at least 2 distinct values.
std::size_t optimal_two_split_sorted(std::span<const double> sorted);

}  // namespace rapidnn::cluster
