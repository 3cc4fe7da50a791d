// Unit tests of the composer's building blocks: counting accumulation (hand-computed), nearest
// encoding, activation tables, codebook families, input sampling.
#include <gtest/gtest.h>

#include <cmath>


#include "composer/activation_table.hpp"
#include "composer/codebook_family.hpp"
#include "composer/input_sampling.hpp"
#include "composer/lut_inference.hpp"
#include "composer/nearest_encoder.hpp"
#include "core/error.hpp"

namespace rapidnn::composer {
namespace {

TEST(CountedAccumulation, DenseLayoutHandComputed) {
  // Weight codebook {-1, 0.5}, input codebook {0, 2}: products P[a][b] = wc[a]*uc[b]
  // = {{-0, -2}, {0, 1}}. Edges (a, b): (0,1) (1,1) (1,0) (0,1) (1,1) -> counts
  // c(0,0)=0, c(0,1)=2, c(1,0)=1, c(1,1)=2 -> sum = 2*(-2) + 1*0 + 2*1 = -2; + bias 0.25 = -1.75.
  // n = 5 edges > w*u = 4 cells selects the dense counter layout.
  const std::vector<Code> wc{0, 1, 1, 0, 1}, uc{1, 1, 0, 1, 1};
  const std::vector<float> p{-0.0f, -2.0f, 0.0f, 1.0f};
  std::vector<std::uint32_t> counts;
  EXPECT_FLOAT_EQ(counted_accumulation(wc, uc, p, 2, 2, 0.25f, &counts), -1.75f);
  EXPECT_EQ(counts, (std::vector<std::uint32_t>{0, 2, 1, 2}));
}

TEST(CountedAccumulation, SparseLayoutHandComputed) {
  // w = u = 16 (256 cells) with 3 edges (16*3 < 256) selects the sparse layout.
  // P[a][b] = (a+1)*(b-1): edges (3,0) -> 4*(-1) = -4, (3,0) -> -4, (1,3) -> 2*2 = 4;
  // sum = -4, bias 1 -> -3.
  std::vector<float> p(256);
  for (int a = 0; a < 16; ++a)
    for (int b = 0; b < 16; ++b) p[static_cast<std::size_t>(a * 16 + b)] = static_cast<float>((a + 1) * (b - 1));
  const std::vector<Code> wc{3, 3, 1}, uc{0, 0, 3};
  std::vector<std::uint32_t> counts;
  EXPECT_FLOAT_EQ(counted_accumulation(wc, uc, p, 16, 16, 1.0f, &counts), -3.0f);
  EXPECT_EQ(counts[3 * 16 + 0], 2u);
  EXPECT_EQ(counts[1 * 16 + 3], 1u);
  // A second call reuses no state: same answer.
  EXPECT_FLOAT_EQ(counted_accumulation(wc, uc, p, 16, 16, 1.0f), -3.0f);
}

TEST(CountedAccumulation, RejectsCodesOutsideTheTable) {
  const std::vector<Code> wc{2}, uc{0};
  const std::vector<float> p(4, 0.0f);
  try {
    counted_accumulation(wc, uc, p, 2, 2, 0.0f);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "edge 0: codes (2, 0) outside w = 2, u = 2");
  }
}

TEST(NearestEncoder, NearestWithTiesToTheLowerIndex) {
  const std::vector<float> c{-1.0f, 0.0f, 2.0f};
  const NearestEncoder enc(c);
  EXPECT_EQ(enc.encode(-5.0f), 0);
  EXPECT_EQ(enc.encode(-0.5f), 0);  // midpoint of -1 and 0: tie -> lower
  EXPECT_EQ(enc.encode(-0.49f), 1);
  EXPECT_EQ(enc.encode(1.0f), 1);   // midpoint of 0 and 2
  EXPECT_EQ(enc.encode(1.01f), 2);
  EXPECT_EQ(enc.encode(100.0f), 2);
  EXPECT_FLOAT_EQ(enc.decode(2), 2.0f);
}

TEST(NearestEncoder, RejectsUnsortedCodebook) {
  const std::vector<float> c{0.0f, -1.0f};
  try {
    NearestEncoder enc(c);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "codebook not ascending: value 0 = 0 > value 1 = -1");
  }
}

TEST(ActivationTable, ArcLengthPlacementIsDenserWhereSigmoidChanges) {
  // Sigmoid on [-8, 8]: the normalised graph rises by ~1 over ~[-3, 3] and is flat elsewhere, so
  // equal arc-length rows are closer together near 0 than near the ends (Sec 2.2, Figure 2c).
  const auto t = make_activation_table(nn::Activation::kSigmoid, 16, -8.0f, 8.0f);
  ASSERT_EQ(t.rows(), 16);
  EXPECT_FLOAT_EQ(t.y().front(), -8.0f);
  EXPECT_FLOAT_EQ(t.y().back(), 8.0f);
  const float gap_middle = t.y()[8] - t.y()[7];
  const float gap_end = t.y()[15] - t.y()[14];
  EXPECT_LT(gap_middle, 0.5f * gap_end);
  for (int i = 0; i < 16; ++i) {
    EXPECT_FLOAT_EQ(t.z()[static_cast<std::size_t>(i)], nn::activate(nn::Activation::kSigmoid, t.y()[static_cast<std::size_t>(i)]));
    EXPECT_FLOAT_EQ(t.lookup(t.y()[static_cast<std::size_t>(i)]), t.z()[static_cast<std::size_t>(i)]);
  }
  EXPECT_FLOAT_EQ(t.lookup(-100.0f), t.z().front());  // clipped at A
  EXPECT_FLOAT_EQ(t.lookup(100.0f), t.z().back());    // clipped at B
  // Mean absolute error over the domain: the non-uniform table beats a uniform one of equal q.
  const auto uniform = make_activation_table(nn::Activation::kSigmoid, 16, -8.0f, 8.0f, TablePlacement::kUniform);
  double err_arc = 0, err_uni = 0;
  for (int g = 0; g <= 4000; ++g) {
    const float y = -8.0f + 16.0f * static_cast<float>(g) / 4000.0f;
    const float f = nn::activate(nn::Activation::kSigmoid, y);
    err_arc += std::abs(t.lookup(y) - f);
    err_uni += std::abs(uniform.lookup(y) - f);
  }
  EXPECT_LT(err_arc, err_uni);
}

TEST(ActivationTable, NearestRowLookupHandComputed) {
  // Uniform ReLU table with q = 5 on [-2, 2]: rows y = -2, -1, 0, 1, 2 with z = 0, 0, 0, 1, 2.
  const auto t = make_activation_table(nn::Activation::kReLU, 5, -2.0f, 2.0f, TablePlacement::kUniform);
  EXPECT_FLOAT_EQ(t.lookup(0.4f), 0.0f);   // nearest row y = 0
  EXPECT_FLOAT_EQ(t.lookup(0.6f), 1.0f);   // nearest row y = 1
  EXPECT_FLOAT_EQ(t.lookup(1.7f), 2.0f);   // nearest row y = 2
  EXPECT_FLOAT_EQ(t.lookup(9.0f), 2.0f);   // clipped at B = 2
}

TEST(ActivationTable, RejectsBadDomain) {
  try {
    make_activation_table(nn::Activation::kSigmoid, 8, 1.0f, 1.0f);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "activation table domain [1, 1] is not a finite interval with A < B");
  }
}

TEST(ClipDomain, QuantilesOfTheSamples) {
  std::vector<float> v;
  for (int i = 0; i <= 1000; ++i) v.push_back(static_cast<float>(i));
  const auto [a, b] = clip_domain(v, 0.01);  // floor(0.01 * 1000) = 10th and 990th order statistics
  EXPECT_FLOAT_EQ(a, 10.0f);
  EXPECT_FLOAT_EQ(b, 990.0f);
}

TEST(CodebookFamily, TreeKeepsEveryLevelAndFlatPadsFewDistinctValues) {
  // Values {0,0,1,1,10,10,11,11}: the tree's level 1 splits {0,1} | {10,11} -> centroids 0.5, 10.5;
  // level 2 -> 0, 1, 10, 11 (exact 2-means of each half).
  const std::vector<float> v{0, 0, 1, 1, 10, 10, 11, 11};
  const std::vector<int> sizes{4};
  const auto tree = build_codebook_family(v, CodebookKind::kTree, sizes);
  ASSERT_EQ(tree.sizes, (std::vector<int>{2, 4}));
  EXPECT_EQ(tree.at(2), (std::vector<float>{0.5f, 10.5f}));
  EXPECT_EQ(tree.at(4), (std::vector<float>{0.0f, 1.0f, 10.0f, 11.0f}));
  EXPECT_EQ(tree.counts_at(4), (std::vector<std::uint64_t>{2, 2, 2, 2}));
  // Flat with k = 8 > 4 distinct values: the 4 values, the last repeated with count 0.
  const std::vector<int> eight{8};
  const auto flat = build_codebook_family(v, CodebookKind::kFlat, eight);
  EXPECT_EQ(flat.at(8), (std::vector<float>{0, 1, 10, 11, 11, 11, 11, 11}));
  EXPECT_EQ(flat.counts_at(8), (std::vector<std::uint64_t>{2, 2, 2, 2, 0, 0, 0, 0}));
  // Round trip through the flat numeric form used between ranks.
  std::vector<double> buf;
  tree.append_to(buf);
  std::size_t pos = 0;
  const auto back = CodebookFamily::read_from(buf, pos);
  EXPECT_EQ(pos, buf.size());
  EXPECT_EQ(back.at(4), tree.at(4));
  EXPECT_EQ(back.counts_at(2), tree.counts_at(2));
  try {
    const std::vector<int> bad{6};
    build_codebook_family(v, CodebookKind::kTree, bad);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "tree codebook size 6 is not a power of two in 2..256");
  }
}

TEST(CodebookFamily, RecordsBothWcssAtEverySize) {
  // Values {0, 10, 20, 30, 1000}, computed by hand. Level 1 of the tree (= the optimal 2-means):
  // {0..30} | {1000}, WCSS 15^2 + 5^2 + 5^2 + 15^2 = 500. Level 2 splits each half: {0,10} |
  // {20,30} and {1000} cannot split, WCSS 50 + 50 = 100. The optimal flat 4-means keeps three
  // clusters in the low half, {0} {10} {20,30} {1000}: WCSS 50.
  const std::vector<float> v{0, 10, 20, 30, 1000};
  const std::vector<int> four{4};
  for (const auto kind : {CodebookKind::kTree, CodebookKind::kFlat}) {
    const auto f = build_codebook_family(v, kind, kind == CodebookKind::kTree ? four : std::vector<int>{2, 4});
    ASSERT_EQ(f.sizes, (std::vector<int>{2, 4}));
    EXPECT_EQ(f.wcss_tree, (std::vector<double>{500.0, 100.0})) << to_string(kind);
    EXPECT_EQ(f.wcss_flat, (std::vector<double>{500.0, 50.0})) << to_string(kind);
    std::vector<double> buf;
    f.append_to(buf);
    std::size_t pos = 0;
    const auto back = CodebookFamily::read_from(buf, pos);
    EXPECT_EQ(back.wcss_tree, f.wcss_tree);
    EXPECT_EQ(back.wcss_flat, f.wcss_flat);
    // Built with only its own kind's WCSS, the other is NaN until complete_wcss fills it in.
    auto lazy = build_codebook_family(v, kind, kind == CodebookKind::kTree ? four : std::vector<int>{2, 4}, false);
    EXPECT_EQ(lazy.centroids, f.centroids);
    EXPECT_TRUE(std::isnan(kind == CodebookKind::kTree ? lazy.wcss_flat[1] : lazy.wcss_tree[1]));
    complete_wcss(lazy, v);
    EXPECT_EQ(lazy.wcss_tree, f.wcss_tree);
    EXPECT_EQ(lazy.wcss_flat, f.wcss_flat);
  }
  try {
    auto f = build_codebook_family(v, CodebookKind::kTree, four, false);
    const std::vector<float> other{0, 1, 2, 3, 4};
    complete_wcss(f, other);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "complete_wcss: the tree codebook family was not built from these 5 values");
  }
  // A flat size that is not a power of two has no tree level: NaN tree WCSS; k = 3 optimum is
  // {0,10} {20,30} {1000}: 100.
  const std::vector<int> three{3};
  const auto f3 = build_codebook_family(v, CodebookKind::kFlat, three);
  EXPECT_TRUE(std::isnan(f3.wcss_tree[0]));
  EXPECT_EQ(f3.wcss_flat[0], 100.0);
}

TEST(InputSampling, KeyedBySampleIndex) {
  const auto a = sample_indices(10000, 0.02, 5);
  const auto b = sample_indices(10000, 0.02, 5);
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 140u);  // binomial(10000, 0.02): mean 200, sd 14
  EXPECT_LT(a.size(), 260u);
  // The decision for an index does not depend on the data set size (keyed by index only).
  const auto prefix = sample_indices(5000, 0.02, 5);
  std::vector<std::int64_t> a_prefix;
  for (auto i : a)
    if (i < 5000) a_prefix.push_back(i);
  EXPECT_EQ(prefix, a_prefix);
  EXPECT_NE(sample_indices(10000, 0.02, 6), a);
}

}  // namespace
}  // namespace rapidnn::composer
