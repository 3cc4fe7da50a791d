// The lookup-perturbation hook of the composer's LUT inference and the NDCAM search-error
// injector: a perturbed encoding lookup equals feeding the shifted code's centroid, a perturbed
// activation lookup equals a table whose z column is shifted, error-free models change nothing,
// and injected errors depend only on (seed, image, lookup, neuron): not on block size or on how
// the images are split (ranks).
#include <gtest/gtest.h>

#include <algorithm>

#include "composer/composer.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "ndcam/lookup_errors.hpp"

using namespace rapidnn;
using namespace rapidnn::composer;

namespace {

nn::Model small_mlp() {
  nn::Model m(nn::Shape{20, 1, 1});
  m.dense(16);
  m.activation(nn::Activation::kSigmoid);
  m.dense(8);
  m.relu();
  m.dense(4);
  for (auto& p : m.params()) {
    CounterRng rng(3, RngDomain::kUser, static_cast<std::uint64_t>(p.node) * 16 + (p.param.name == "bias"));
    auto& v = *p.param.value;
    for (std::int64_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(rng.normal(0.0, 0.5));
  }
  return m;
}

nn::Matrix random_input(std::int64_t rows, std::int64_t cols) {
  nn::Matrix x(rows, cols);
  CounterRng rng(4, RngDomain::kSyntheticData, 0);
  for (std::int64_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.uniform());
  return x;
}

ComposedModel compose_small(nn::Model& m, const nn::Matrix& x, int q) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(x.rows()));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<std::int64_t>(i);
  const auto samples = collect_layer_samples(m, x, rows);
  const std::vector<int> ws{8}, us{8};
  const auto cb = build_layer_codebooks(m, samples, CodebookKind::kTree, ws, us, 0.001);
  return compose(m, cb, {8, 8, q, TablePlacement::kUniform});
}

// Every lookup of one kind (and table) returns the next row up, clamped.
class ShiftUp final : public LookupPerturbation {
 public:
  ShiftUp(LookupKind kind, int table) : kind_(kind), table_(table) {}
  int returned_row(int row, int rows, const LookupSite& s) const override {
    return s.kind == kind_ && s.table == table_ ? std::min(row + 1, rows - 1) : row;
  }

 private:
  LookupKind kind_;
  int table_;
};

}  // namespace

TEST(LookupPerturbation, ShiftedInputEncodingEqualsShiftedInput) {
  auto m = small_mlp();
  const auto x = random_input(50, 20);
  const auto cm = compose_small(m, x, 16);
  const ShiftUp shift(LookupKind::kEncoding, 0);
  InferenceOptions opt;
  opt.perturbation = &shift;
  const auto perturbed = lut_logits(cm, x, opt);
  // The same codes from the input itself: every value replaced by the next centroid up.
  const auto& enc = cm.input_encoder(0);
  nn::Matrix shifted = x;
  for (std::int64_t i = 0; i < x.size(); ++i)
    shifted.data()[i] = enc.decode(static_cast<Code>(std::min(enc.encode(x.data()[i]) + 1, enc.size() - 1)));
  EXPECT_EQ((perturbed - lut_logits(cm, shifted)).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_GT((perturbed - lut_logits(cm, x)).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(LookupPerturbation, ShiftedActivationLookupEqualsShiftedTable) {
  auto m = small_mlp();
  const auto x = random_input(50, 20);
  const auto cm = compose_small(m, x, 16);
  ASSERT_FALSE(cm.activations()[0].exact());  // the sigmoid is a 16-row table (q applies to every activation)
  const ShiftUp shift(LookupKind::kActivation, 0);
  InferenceOptions opt;
  opt.perturbation = &shift;
  const auto perturbed = lut_logits(cm, x, opt);
  auto acts = cm.activations();
  const auto& t = acts[0].table;
  std::vector<float> z(t.z().size());
  for (std::size_t r = 0; r < z.size(); ++r) z[r] = t.z()[std::min(r + 1, z.size() - 1)];
  acts[0].table = ActivationTable(t.function(), t.y(), z);
  const ComposedModel shifted(m, cm.stages(), acts);
  EXPECT_EQ((perturbed - lut_logits(shifted, x)).cwiseAbs().maxCoeff(), 0.0f);
  EXPECT_GT((perturbed - lut_logits(cm, x)).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(SearchErrorInjector, ErrorFreeModelsChangeNothing) {
  auto m = small_mlp();
  const auto x = random_input(40, 20);
  const auto cm = compose_small(m, x, 16);
  const ndcam::SearchErrorInjector none(1, {ndcam::TableSearchErrors{}, ndcam::TableSearchErrors{}, ndcam::TableSearchErrors{}},
                                        {ndcam::TableSearchErrors{}, ndcam::TableSearchErrors{}});
  InferenceOptions opt;
  opt.perturbation = &none;
  EXPECT_EQ((lut_logits(cm, x, opt) - lut_logits(cm, x)).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(SearchErrorInjector, ErrorsDependOnlyOnTheLookupNotOnBlocksOrSplits) {
  auto m = small_mlp();
  const auto x = random_input(60, 20);
  const auto cm = compose_small(m, x, 16);
  std::vector<std::uint64_t> h(ndcam::TrialStats::kRankOffsetBins, 0);
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(0))] = 70;
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(-1))] = 15;
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(1))] = 15;
  const ndcam::TableSearchErrors e(ndcam::SearchErrorModel{h});
  const ndcam::SearchErrorInjector inj(11, {e, e, e}, {e, e});
  InferenceOptions opt;
  opt.perturbation = &inj;
  opt.block_rows = 7;
  const auto full = lut_logits(cm, x, opt);
  EXPECT_GT((full - lut_logits(cm, x)).cwiseAbs().maxCoeff(), 0.0f);  // errors were injected
  opt.block_rows = 32;
  EXPECT_EQ((lut_logits(cm, x, opt) - full).cwiseAbs().maxCoeff(), 0.0f);
  // Images 25..59 evaluated alone (as on another rank) with their global index.
  const nn::Matrix tail = x.bottomRows(35);
  opt.first_image = 25;
  EXPECT_EQ((lut_logits(cm, tail, opt) - full.bottomRows(35)).cwiseAbs().maxCoeff(), 0.0f);
  // ... and without it they get other errors.
  opt.first_image = 0;
  EXPECT_GT((lut_logits(cm, tail, opt) - full.bottomRows(35)).cwiseAbs().maxCoeff(), 0.0f);
  // Another seed, other errors.
  const ndcam::SearchErrorInjector other(12, {e, e, e}, {e, e});
  opt.perturbation = &other;
  EXPECT_GT((lut_logits(cm, x, opt) - full).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(SearchErrorInjector, CnnLookupsInTheCodeDomainAreReproducible) {
  // Conv + avg pool + sigmoid table + conv + ReLU table + max pool: the sigmoid after the pool
  // is met in the code domain (decode, table lookup, re-encode: two lookups of one step, keyed
  // apart by kind).
  nn::Model m(nn::Shape{2, 9, 9});
  m.conv2d({4, 3, 3, 1, 1, true});
  m.avg_pool({2, 2, 0, false});
  m.activation(nn::Activation::kSigmoid);
  m.conv2d({5, 3, 3, 2, 1, true});
  m.relu();
  m.max_pool({2, 1, 0, false});
  m.flatten();
  m.dense(3);
  for (auto& p : m.params()) {
    CounterRng rng(8, RngDomain::kUser, static_cast<std::uint64_t>(p.node) * 16 + (p.param.name == "bias"));
    auto& v = *p.param.value;
    for (std::int64_t i = 0; i < v.size(); ++i) v.data()[i] = static_cast<float>(rng.normal(0.0, 0.3));
  }
  const auto x = random_input(30, m.input_shape().size());
  const auto cm = compose_small(m, x, 16);
  bool code_activate = false;
  for (const auto& st : cm.steps()) code_activate |= st.kind == StepKind::kCodeActivate;
  ASSERT_TRUE(code_activate);
  std::vector<std::uint64_t> h(ndcam::TrialStats::kRankOffsetBins, 0);
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(0))] = 60;
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(-2))] = 20;
  h[static_cast<std::size_t>(ndcam::TrialStats::rank_offset_bin(1))] = 20;
  const ndcam::TableSearchErrors e(ndcam::SearchErrorModel{h});
  const std::vector<ndcam::TableSearchErrors> enc(cm.stages().size(), e), act(cm.activations().size(), e);
  const ndcam::SearchErrorInjector inj(21, enc, act);
  InferenceOptions opt;
  opt.perturbation = &inj;
  opt.block_rows = 4;
  const auto full = lut_logits(cm, x, opt);
  EXPECT_GT((full - lut_logits(cm, x)).cwiseAbs().maxCoeff(), 0.0f);
  opt.block_rows = 30;
  EXPECT_EQ((lut_logits(cm, x, opt) - full).cwiseAbs().maxCoeff(), 0.0f);
  opt.first_image = 10;
  const nn::Matrix tail = x.bottomRows(20);
  EXPECT_EQ((lut_logits(cm, tail, opt) - full.bottomRows(20)).cwiseAbs().maxCoeff(), 0.0f);
  // The counting and the reference accumulation see the same perturbed codes.
  opt.first_image = 0;
  opt.accumulation = Accumulation::kReference;
  const float scale = 1.0f + full.cwiseAbs().maxCoeff();
  EXPECT_LT((lut_logits(cm, x, opt) - full).cwiseAbs().maxCoeff(), 1e-4f * scale);
}

TEST(LookupRecorder, RecordsTheSearchedValuesImageByImage) {
  auto m = small_mlp();
  const auto x = random_input(12, 20);
  const auto cm = compose_small(m, x, 16);
  // Images 3..10 on their own, first_image 3, 3 rows per block (several threads).
  const nn::Matrix part = x.middleRows(3, 8);
  const ndcam::LookupRecorder rec(static_cast<int>(cm.stages().size()), static_cast<int>(cm.activations().size()), 3, 8);
  InferenceOptions opt;
  opt.perturbation = &rec;
  opt.first_image = 3;
  opt.block_rows = 3;
  // Recording changes nothing.
  EXPECT_EQ((lut_logits(cm, part, opt) - lut_logits(cm, part)).cwiseAbs().maxCoeff(), 0.0f);
  // The first encoding searches the raw inputs: image by image, feature by feature.
  const auto v = rec.values(LookupKind::kEncoding, 0);
  ASSERT_EQ(v.size(), 8u * 20u);
  for (std::int64_t r = 0; r < 8; ++r)
    for (std::int64_t c = 0; c < 20; ++c) EXPECT_EQ(v[static_cast<std::size_t>(r * 20 + c)], part(r, c));
  // The sigmoid table sees the 16 pre-activations of each image; the next encoding its outputs.
  EXPECT_EQ(rec.values(LookupKind::kActivation, 0).size(), 8u * 16u);
  EXPECT_EQ(rec.values(LookupKind::kEncoding, 1).size(), 8u * 16u);
}

TEST(SearchErrorInjector, RngItemPacksTheSite) {
  const LookupSite s{LookupKind::kActivation, 3, 0, 5, 7, 0.0f};
  EXPECT_EQ(ndcam::SearchErrorInjector::rng_item(s),
            (std::uint64_t{5} << 40) | (std::uint64_t{3} << 33) | (std::uint64_t{1} << 32) | 7u);
  const LookupSite bad{LookupKind::kEncoding, 0, 0, std::int64_t{1} << 24, 0, 0.0f};
  try {
    ndcam::SearchErrorInjector::rng_item(bad);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("image index 16777216 outside [0, 2^24)"), std::string::npos);
  }
}
