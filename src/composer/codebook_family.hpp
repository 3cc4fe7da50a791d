#pragma once
// The codebooks of one operand set (a layer's weights, one conv output channel's weights, or a
// layer's sampled inputs) at several sizes, so any size of a sweep can be selected without
// re-clustering (paper Sec 3.1, "multi-level clustering"):
//   tree: one recursive 2-means tree (cluster::build_tree_codebook) to level L = log2(max size);
//         every level l = 1..L is kept (2^l slots, ascending, adjacent duplicates where a node
//         could not split);
//   flat: an exact 1-D k-means (cluster::kmeans1d_optimal) per requested size; when a set has
//         fewer distinct values than k, the k-means runs with that many clusters and the last
//         centroid is repeated (count 0) so the codebook still has k slots.
// Both WCSS are recorded at every size (issue: "report both WCSS"): the tree's level WCSS and the
// exact flat k-means WCSS of the same values and size, whichever kind supplies the centroids, so
// the cost of the tree's greedy splits against the optimum is visible for every codebook. The
// other kind's WCSS (exact DP at every size for a tree family) costs more than the family itself,
// so callers on a hot path (re-clustering during retraining) may leave it NaN and fill it in later
// for the codebooks they keep (complete_wcss).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rapidnn::composer {

enum class CodebookKind { kTree, kFlat };
std::string_view to_string(CodebookKind kind);
/// "tree" or "flat"; anything else is InvalidArgument listing both.
CodebookKind parse_codebook_kind(std::string_view name);

struct CodebookFamily {
  CodebookKind kind = CodebookKind::kTree;
  std::vector<int> sizes;                               ///< ascending
  std::vector<std::vector<float>> centroids;            ///< [i]: sizes[i] values, ascending
  std::vector<std::vector<std::uint64_t>> counts;       ///< [i]: points per slot
  std::vector<double> wcss_tree;                        ///< [i]: WCSS of the tree level with sizes[i] slots
  std::vector<double> wcss_flat;                        ///< [i]: WCSS of the exact flat k-means, sizes[i] clusters

  bool has(int k) const;
  /// Centroids of size k; InvalidArgument listing the available sizes when absent.
  const std::vector<float>& at(int k) const;
  const std::vector<std::uint64_t>& counts_at(int k) const;
  double wcss_tree_at(int k) const;
  double wcss_flat_at(int k) const;

  /// Flat numeric form (for sending between ranks): kind, count, then per size k, centroids,
  /// counts, tree WCSS, flat WCSS.
  void append_to(std::vector<double>& out) const;
  /// Reads one family written by append_to starting at `pos` and advances `pos`.
  static CodebookFamily read_from(std::span<const double> in, std::size_t& pos);
};

/// Builds the family for `values`. Tree: every requested size must be a power of two in
/// 2..256; levels 1..log2(max) are all kept. Flat: exactly the requested sizes (1..256).
/// Throws InvalidArgument for empty/non-finite values or bad sizes.
/// `both_wcss` false: only the own kind's WCSS is computed, the other one is NaN.
CodebookFamily build_codebook_family(std::span<const float> values, CodebookKind kind,
                                     std::span<const int> sizes, bool both_wcss = true);
/// Fills the NaN WCSS of `family` (built from `values` with both_wcss = false); centroids and
/// counts are unchanged (the family is rebuilt deterministically and only its WCSS are taken).
void complete_wcss(CodebookFamily& family, std::span<const float> values);

}  // namespace rapidnn::composer
