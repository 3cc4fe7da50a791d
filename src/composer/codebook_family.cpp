#include "composer/codebook_family.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "cluster/kmeans1d_optimal.hpp"
#include "cluster/tree_codebook.hpp"
#include "composer/nearest_encoder.hpp"
#include "core/error.hpp"

namespace rapidnn::composer {

std::string_view to_string(CodebookKind kind) { return kind == CodebookKind::kTree ? "tree" : "flat"; }

CodebookKind parse_codebook_kind(std::string_view name) {
  if (name == "tree") return CodebookKind::kTree;
  if (name == "flat") return CodebookKind::kFlat;
  throw InvalidArgument(fmt::format("unknown codebook kind \"{}\"; allowed: tree, flat", name));
}

namespace {
std::size_t index_of(const CodebookFamily& f, int k) {
  const auto it = std::find(f.sizes.begin(), f.sizes.end(), k);
  if (it == f.sizes.end()) {
    std::string have;
    for (int s : f.sizes) have += (have.empty() ? "" : ", ") + std::to_string(s);
    throw InvalidArgument(fmt::format("no {} codebook of size {}; available sizes: {}", to_string(f.kind), k, have));
  }
  return static_cast<std::size_t>(it - f.sizes.begin());
}
}  // namespace

bool CodebookFamily::has(int k) const { return std::find(sizes.begin(), sizes.end(), k) != sizes.end(); }
const std::vector<float>& CodebookFamily::at(int k) const { return centroids[index_of(*this, k)]; }
const std::vector<std::uint64_t>& CodebookFamily::counts_at(int k) const { return counts[index_of(*this, k)]; }
double CodebookFamily::wcss_tree_at(int k) const { return wcss_tree[index_of(*this, k)]; }
double CodebookFamily::wcss_flat_at(int k) const { return wcss_flat[index_of(*this, k)]; }

void CodebookFamily::append_to(std::vector<double>& out) const {
  out.push_back(kind == CodebookKind::kTree ? 0.0 : 1.0);
  out.push_back(static_cast<double>(sizes.size()));
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    out.push_back(sizes[i]);
    for (float c : centroids[i]) out.push_back(c);  // float -> double is exact
    for (auto n : counts[i]) out.push_back(static_cast<double>(n));  // exact below 2^53
    out.push_back(wcss_tree[i]);
    out.push_back(wcss_flat[i]);
  }
}

CodebookFamily CodebookFamily::read_from(std::span<const double> in, std::size_t& pos) {
  RAPIDNN_ASSERT(pos + 2 <= in.size());
  CodebookFamily f;
  f.kind = in[pos++] == 0.0 ? CodebookKind::kTree : CodebookKind::kFlat;
  const auto n = static_cast<std::size_t>(in[pos++]);
  for (std::size_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(in[pos++]);
    RAPIDNN_ASSERT(pos + 2 * static_cast<std::size_t>(k) + 2 <= in.size());
    f.sizes.push_back(k);
    std::vector<float> c(static_cast<std::size_t>(k));
    std::vector<std::uint64_t> cnt(static_cast<std::size_t>(k));
    for (auto& v : c) v = static_cast<float>(in[pos++]);
    for (auto& v : cnt) v = static_cast<std::uint64_t>(in[pos++]);
    f.centroids.push_back(std::move(c));
    f.counts.push_back(std::move(cnt));
    f.wcss_tree.push_back(in[pos++]);
    f.wcss_flat.push_back(in[pos++]);
  }
  return f;
}

namespace {

// Rounds double centroids to float keeping them ascending (rounding is monotone, so it does).
std::vector<float> to_float(const std::vector<double>& c) {
  std::vector<float> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<float>(c[i]);
  return out;
}

}  // namespace

CodebookFamily build_codebook_family(std::span<const float> values, CodebookKind kind,
                                     std::span<const int> sizes, bool both_wcss) {
  RAPIDNN_THROW_IF_NOT(!values.empty(), InvalidArgument, "cannot build a codebook from 0 values");
  RAPIDNN_THROW_IF_NOT(!sizes.empty(), InvalidArgument, "no codebook sizes requested");
  std::vector<int> wanted(sizes.begin(), sizes.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (kind == CodebookKind::kTree) {
    for (int k : wanted)
      RAPIDNN_THROW_IF_NOT(k >= 2 && k <= kMaxCodebookSize && std::has_single_bit(static_cast<unsigned>(k)),
                           InvalidArgument, "tree codebook size {} is not a power of two in 2..{}", k,
                           kMaxCodebookSize);
  } else {
    for (int k : wanted)
      RAPIDNN_THROW_IF_NOT(k >= 1 && k <= kMaxCodebookSize, InvalidArgument,
                           "flat codebook size {} is outside 1..{}", k, kMaxCodebookSize);
  }
  // One sort for both kinds (float -> double is exact, so this is the order the float entry
  // points of the cluster module would use).
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  RAPIDNN_THROW_IF_NOT(std::isfinite(sorted.front()) && std::isfinite(sorted.back()), InvalidArgument,
                       "codebook values contain a non-finite value ({} .. {})", sorted.front(), sorted.back());
  int distinct = 1;
  for (std::size_t i = 1; i < sorted.size(); ++i) distinct += sorted[i] != sorted[i - 1];
  // The family's sizes: every tree level up to the largest requested size, or exactly the
  // requested flat sizes.
  CodebookFamily f;
  f.kind = kind;
  if (kind == CodebookKind::kTree) {
    for (int l = 1; (1 << l) <= wanted.back(); ++l) f.sizes.push_back(1 << l);
  } else {
    f.sizes = wanted;
  }
  // Tree to the level of the largest size that is a power of two (flat sizes need not be; a
  // size that is not a power of two has no tree level and gets a NaN tree WCSS).
  auto level_of = [](int k) {
    return k >= 2 && std::has_single_bit(static_cast<unsigned>(k)) ? static_cast<int>(std::bit_width(static_cast<unsigned>(k))) - 1 : 0;
  };
  int levels = 0;
  for (int k : f.sizes) levels = std::max(levels, level_of(k));
  const bool need_tree = kind == CodebookKind::kTree || both_wcss;
  const bool need_flat = kind == CodebookKind::kFlat || both_wcss;
  cluster::TreeCodebook tree;
  if (levels > 0 && need_tree) tree = cluster::build_tree_codebook_sorted(sorted, levels);
  for (int k : f.sizes) {
    const int l = level_of(k);
    f.wcss_tree.push_back(l > 0 && need_tree ? tree.level_wcss[static_cast<std::size_t>(l - 1)] : std::nan(""));
    const auto cb = need_flat ? cluster::kmeans1d_optimal_sorted(sorted, std::min(k, distinct), "codebook")
                              : cluster::Codebook1D{};
    f.wcss_flat.push_back(need_flat ? cb.wcss : std::nan(""));
    if (kind == CodebookKind::kTree) {
      f.centroids.push_back(to_float(tree.level(l)));
      f.counts.push_back(tree.level_counts[static_cast<std::size_t>(l - 1)]);
      continue;
    }
    auto c = to_float(cb.centroids);
    auto counts = cb.counts;
    while (static_cast<int>(c.size()) < k) {  // fewer distinct values than slots: repeat the last
      c.push_back(c.back());
      counts.push_back(0);
    }
    f.centroids.push_back(std::move(c));
    f.counts.push_back(std::move(counts));
  }
  return f;
}

void complete_wcss(CodebookFamily& family, std::span<const float> values) {
  const auto full = build_codebook_family(values, family.kind, family.sizes, true);
  RAPIDNN_THROW_IF_NOT(full.sizes == family.sizes && full.centroids == family.centroids, InvalidArgument,
                       "complete_wcss: the {} codebook family was not built from these {} values",
                       to_string(family.kind), values.size());
  family.wcss_tree = full.wcss_tree;
  family.wcss_flat = full.wcss_flat;
}

}  // namespace rapidnn::composer
