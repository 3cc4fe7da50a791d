// Experiment `ndcam_accuracy` (the accuracy loop, beyond the paper): what do NDCAM search errors
// under process variation do to a composed network's test error?
//
// Per model (a composed model stored by the composer experiment) and per sigma:
//   1. every table the network searches -- each compute stage's input codebook (the encoding
//      lookups, u rows) and each q-row activation table (its y column) -- is stored as
//      value_bits-wide fixed point (ndcam::FixedPointMap) and searched `trials` times by the
//      behavioural NDCAM (bits_per_stage stages, this sigma on every W and Vth); the queries are
//      the values the network looks up on the first `recorded_images` training images
//      (ndcam::LookupRecorder), or uniform over the table's range when recorded_images = 0; the
//      rank offset between the returned and the nearest row is counted per nearest row
//      (ndcam::measure_row_search);
//   2. those counts become per-row samplers (ndcam::TableSearchErrors) and the LUT inference of
//      the test set runs with every selected lookup perturbed by them (ndcam::SearchErrorInjector);
//   3. the test error gives delta_e = error - baseline error (the composer's definition) and the
//      part due to search errors, error - error of the same composed model without them.
// Trials and test images are split over ranks in blocks; trial t of table k is keyed by
// (seed, k, t) and lookup errors by (seed, image, lookup, neuron); histograms and wrong-answer
// counts are integers summed by allreduce, so the file is bit-identical for any rank count.
// The same seed at every sigma gives common random numbers (paired comparisons between sigmas).
#include <cstdio>

#include "common/composed_io.hpp"
#include "common/data_source.hpp"
#include "common/ndcam_circuit_config.hpp"
#include "composer/lut_inference.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "experiment.hpp"
#include "io/model_file.hpp"
#include "io/result_reader.hpp"
#include "ndcam/lookup_errors.hpp"
#include "ndcam/search_error.hpp"
#include "par/partition.hpp"

namespace rapidnn::experiments {

namespace {

struct ModelSpec {
  std::string name;          ///< result group /ndcam_accuracy/<name>
  std::string composer_run;  ///< group /composer/<composer_run> of the composer file
  DataSource data;
};

struct Table {
  composer::LookupKind kind;
  int index = 0;  ///< compute stage (encoding) or activation stage
  std::vector<float> values;
};

struct ModelOutcome {
  double baseline_error = 0, composed_error_recorded = 0, composed_error = 0;
  std::int64_t test_samples = 0;
  std::int64_t w = 0, u = 0, q = 0;
  std::vector<Table> tables;
  std::vector<double> error;                 // per sigma
  std::vector<double> lookup_error_rate;     // sigma x table
  std::vector<std::uint64_t> offset_hist;    // sigma x table x bins (summed over nearest rows)
  std::vector<std::vector<std::uint64_t>> row_hist;  // per table: sigma x rows x bins
  std::int64_t recorded_images = 0;
  std::vector<std::int64_t> query_count;     // per table (recorded queries)
};

class NdcamAccuracy final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("ndcam_accuracy");
    composer_file_ = resolve_path(config_dir, t.require_string("composer_file"));
    sigmas_ = t.get_double_list("sigma", {0.0, 0.05, 0.10, 0.20}, 0.0, 0.5);
    trials_ = static_cast<std::uint64_t>(t.get_int("trials", 5000, 1, std::int64_t{1} << 32));
    value_bits_ = static_cast<int>(t.get_int("value_bits", 32, 1, 32));
    bits_per_stage_ = static_cast<int>(t.get_int("bits_per_stage", 8, 1, 32));
    if (bits_per_stage_ > value_bits_)
      t.fail("bits_per_stage", fmt::format("{} bits per stage exceed value_bits = {}", bits_per_stage_, value_bits_));
    resolution_s_ = t.get_double("sense_resolution_s", 0.0, 0.0, 1e-9);
    // Both accumulations see the same (perturbed) codes and agree to float rounding; the
    // reference one (dequantized operands through Eigen) is ~10x faster for CNNs.
    accumulation_ = t.get_choice("accumulation", "counting", {"counting", "reference"}) == "counting"
                        ? composer::Accumulation::kCounting
                        : composer::Accumulation::kReference;
    // Queries of the search-error measurement: the values the network looks up on the first
    // recorded_images training images, or (0) uniform over each table's range.
    recorded_images_ = t.get_int("recorded_images", 100, 0, 1 << 20);
    const auto lookups = t.get_string_list("lookups", {"encoding", "activation"});
    for (const auto& l : lookups) {
      if (l == "encoding") encoding_ = true;
      else if (l == "activation") activation_ = true;
      else t.fail("lookups", fmt::format("unknown lookup '{}' (allowed: encoding, activation)", l));
    }
    circuit_ = parse_ndcam_circuit(t);
    for (auto& m : t.table_array("models")) {
      ModelSpec s;
      s.name = m.require_string("name");
      s.composer_run = m.get_string("composer_run", s.name);
      s.data = parse_data_source(m, config_dir);
      models_.push_back(std::move(s));
    }
    if (models_.empty()) t.fail("models", "give at least one [[ndcam_accuracy.models]] table");
  }

  void run(RunContext& ctx) override {
    io::ResultReader in(composer_file_);
    for (const auto& spec : models_) outcomes_.push_back(run_model(ctx, in, spec));
    write(ctx);
  }

  std::string report() const override {
    std::string s = fmt::format(
        "NDCAM accuracy loop: {} trials per table, {} bits per stage, {:.2f} ps SA; delta_e in % vs the baseline "
        "(search part = vs the composed model without search errors)\n",
        trials_, bits_per_stage_, resolution_s_ * 1e12);
    for (std::size_t m = 0; m < models_.size(); ++m) {
      const auto& o = outcomes_[m];
      s += fmt::format("{} (w={} u={} q={}, {} test images): baseline {:.2f}%, composed {:.2f}% (composer recorded {:.2f}%)\n",
                       models_[m].name, o.w, o.u, o.q, o.test_samples, 100 * o.baseline_error, 100 * o.composed_error,
                       100 * o.composed_error_recorded);
      s += fmt::format("  {:>6} {:>9} {:>9} {:>12} {:>18}\n", "sigma", "error %", "delta_e", "search part", "lookup err (mean)");
      for (std::size_t i = 0; i < sigmas_.size(); ++i) {
        double mean_rate = 0;
        for (std::size_t k = 0; k < o.tables.size(); ++k) mean_rate += o.lookup_error_rate[i * o.tables.size() + k];
        if (!o.tables.empty()) mean_rate /= static_cast<double>(o.tables.size());
        s += fmt::format("  {:>6.3f} {:>9.2f} {:>9.2f} {:>12.2f} {:>18.4f}\n", sigmas_[i], 100 * o.error[i],
                         100 * (o.error[i] - o.baseline_error), 100 * (o.error[i] - o.composed_error), mean_rate);
      }
    }
    return s;
  }

 private:
  ModelOutcome run_model(RunContext& ctx, const io::ResultReader& in, const ModelSpec& spec) {
    const auto& comm = ctx.comm;
    const std::string g = "/composer/" + spec.composer_run;
    RAPIDNN_THROW_IF_NOT(in.exists(g + "/composed/model"), IoError,
                         "{}: no composed model at {}/composed (written by the composer experiment)",
                         composer_file_.string(), g);
    const nn::Model structure = io::read_model(in, g + "/composed/model");
    const composer::ComposedModel cm = read_composed(in, g + "/composed", structure);
    ModelOutcome o;
    o.baseline_error = in.attr_double(g, "baseline_error");
    o.composed_error_recorded = in.attr_double(g + "/composed", "error");
    o.w = in.attr_int(g + "/composed", "w");
    o.u = in.attr_int(g + "/composed", "u");
    o.q = in.attr_int(g + "/composed", "q");

    const auto data = load_data(spec.data);
    const nn::Matrix x = to_matrix(data.test);
    const auto labels = to_labels(data.test);
    o.test_samples = x.rows();
    const par::Range images = par::block_range(static_cast<std::uint64_t>(x.rows()), comm.size(), comm.rank());
    const nn::Matrix mine = x.middleRows(static_cast<Eigen::Index>(images.begin), static_cast<Eigen::Index>(images.size()));
    auto test_error = [&](const composer::LookupPerturbation* p) {
      composer::InferenceOptions opt;
      opt.perturbation = p;
      opt.accumulation = accumulation_;
      opt.first_image = static_cast<std::int64_t>(images.begin);
      const auto pred = composer::lut_predict(cm, mine, opt);
      std::uint64_t wrong = 0;
      for (std::size_t i = 0; i < pred.size(); ++i) wrong += pred[i] != labels[images.begin + i];
      return static_cast<double>(comm.sum(wrong)) / static_cast<double>(x.rows());
    };
    o.composed_error = test_error(nullptr);
    if (o.composed_error != o.composed_error_recorded && comm.is_root())
      log_info(fmt::format("ndcam_accuracy '{}': warning: composed error {:.4f} differs from the composer's {:.4f}: "
                           "are the data keys (normalize, test_limit) those of the composer run?",
                           spec.name, o.composed_error, o.composed_error_recorded));
    log_info(fmt::format("ndcam_accuracy '{}': {} test images, composed error {:.4f} (recorded {:.4f})", spec.name,
                         x.rows(), o.composed_error, o.composed_error_recorded));

    // The searched tables, in a fixed order: encodings by stage, then activation tables.
    if (encoding_)
      for (std::size_t s = 0; s < cm.stages().size(); ++s)
        o.tables.push_back({composer::LookupKind::kEncoding, static_cast<int>(s), cm.stages()[s].input_centroids});
    if (activation_)
      for (std::size_t a = 0; a < cm.activations().size(); ++a)
        if (!cm.activations()[a].exact())
          o.tables.push_back({composer::LookupKind::kActivation, static_cast<int>(a), cm.activations()[a].table.y()});

    // Queries of each table's searches: the values the network looks up on the first
    // recorded_images training images (mapped by the table's own fixed-point map, clamped), or
    // uniform over the table's range.
    std::vector<std::vector<std::uint32_t>> queries(o.tables.size());
    if (recorded_images_ > 0) {
      const nn::Matrix xtr = to_matrix(data.train);
      const std::int64_t n = std::min<std::int64_t>(recorded_images_, xtr.rows());
      const ndcam::LookupRecorder rec(static_cast<int>(cm.stages().size()), static_cast<int>(cm.activations().size()),
                                      0, n);
      composer::InferenceOptions opt;
      opt.perturbation = &rec;
      opt.accumulation = accumulation_;
      composer::lut_logits(cm, xtr.topRows(n), opt);
      o.recorded_images = n;
      for (std::size_t k = 0; k < o.tables.size(); ++k) {
        const auto map = ndcam::fixed_point_map(o.tables[k].values, value_bits_);
        for (float v : rec.values(o.tables[k].kind, o.tables[k].index)) queries[k].push_back(map(v));
        o.query_count.push_back(static_cast<std::int64_t>(queries[k].size()));
      }
    }

    const par::Range trials = par::block_range(trials_, comm.size(), comm.rank());
    const std::size_t bins = ndcam::TrialStats::kRankOffsetBins;
    o.row_hist.resize(o.tables.size());
    for (double sigma : sigmas_) {
      std::vector<std::uint64_t> hist;  // per table: rows x bins, nearest row by nearest row
      for (std::size_t k = 0; k < o.tables.size(); ++k) {
        ndcam::TableSearchSpec ts;
        ts.table = ndcam::to_fixed_point(o.tables[k].values, value_bits_);
        ts.value_bits = value_bits_;
        ts.bits_per_stage = bits_per_stage_;
        ts.params = circuit_;
        ts.params.sigma_w = ts.params.sigma_vth = sigma;
        ts.params.sense_resolution_s = resolution_s_;
        ts.seed = ctx.seed;
        ts.stream = static_cast<std::uint32_t>(k);
        ts.queries = queries[k];
        const auto h = ndcam::measure_row_search(ts, trials.begin, trials.end);
        hist.insert(hist.end(), h.begin(), h.end());
      }
      comm.allreduce_sum(std::span<std::uint64_t>(hist));
      std::vector<ndcam::TableSearchErrors> enc(cm.stages().size()), act(cm.activations().size());
      std::size_t pos = 0;
      for (std::size_t k = 0; k < o.tables.size(); ++k) {
        const int rows = static_cast<int>(o.tables[k].values.size());
        const std::span<const std::uint64_t> h(hist.data() + pos, static_cast<std::size_t>(rows) * bins);
        pos += h.size();
        const ndcam::TableSearchErrors errors(h, rows);
        o.lookup_error_rate.push_back(errors.pooled().error_rate());
        std::vector<std::uint64_t> pooled(bins, 0);
        for (std::size_t i = 0; i < h.size(); ++i) pooled[i % bins] += h[i];
        o.offset_hist.insert(o.offset_hist.end(), pooled.begin(), pooled.end());
        o.row_hist[k].insert(o.row_hist[k].end(), h.begin(), h.end());
        (o.tables[k].kind == composer::LookupKind::kEncoding ? enc : act)[static_cast<std::size_t>(o.tables[k].index)] =
            errors;
      }
      const ndcam::SearchErrorInjector injector(ctx.seed, std::move(enc), std::move(act));
      o.error.push_back(test_error(&injector));
      log_info(fmt::format("ndcam_accuracy '{}': sigma {:.3f}: error {:.4f}", spec.name, sigma, o.error.back()));
    }
    return o;
  }

  void write(RunContext& ctx) {
    auto& f = ctx.out;
    const std::string g = "/ndcam_accuracy";
    f.create_group(g);
    f.set_attr(g, "composer_file", composer_file_.string());
    f.set_attr(g, "trials_per_table", static_cast<std::int64_t>(trials_));
    f.set_attr(g, "value_bits", value_bits_);
    f.set_attr(g, "bits_per_stage", bits_per_stage_);
    f.set_attr(g, "sense_resolution_s", resolution_s_);
    f.set_attr(g, "accumulation", accumulation_ == composer::Accumulation::kCounting ? "counting" : "reference");
    f.set_attr(g, "variation_scaling", circuit_.pelgrom_area_scaling ? "pelgrom" : "uniform");
    f.set_attr(g, "query_distribution",
               recorded_images_ > 0
                   ? fmt::format("the values the network looks up on the first {} training images, fixed point "
                                 "(clamped to each table's range)", recorded_images_)
                   : std::string("uniform over [min, max] of each table (fixed point)"));
    f.set_attr(g, "recorded_images", recorded_images_);
    f.write(g + "/sigma", sigmas_);
    f.set_attr(g + "/sigma", "meaning", "relative std. deviation of every access transistor's W and Vth");
    const auto S = static_cast<std::uint64_t>(sigmas_.size());
    for (std::size_t m = 0; m < models_.size(); ++m) {
      const auto& o = outcomes_[m];
      const std::string mg = g + "/" + models_[m].name;
      f.create_group(mg);
      f.set_attr(mg, "composer_run", models_[m].composer_run);
      f.set_attr(mg, "dataset", models_[m].data.dataset);
      f.set_attr(mg, "baseline_error", o.baseline_error);
      f.set_attr(mg, "composed_error", o.composed_error);
      f.set_attr(mg, "composed_error_recorded", o.composed_error_recorded);
      f.set_attr(mg, "test_samples", o.test_samples);
      f.set_attr(mg, "w", o.w);
      f.set_attr(mg, "u", o.u);
      f.set_attr(mg, "q", o.q);
      std::vector<double> de, de_search;
      for (double e : o.error) {
        de.push_back(e - o.baseline_error);
        de_search.push_back(e - o.composed_error);
      }
      f.write(mg + "/error", o.error);
      f.write(mg + "/delta_e", de);
      f.set_attr(mg + "/delta_e", "meaning", "error with search errors - baseline (float model) error");
      f.write(mg + "/delta_e_search", de_search);
      f.set_attr(mg + "/delta_e_search", "meaning", "error with search errors - error of the composed model without");
      std::vector<std::int64_t> kind, index, rows;
      for (const auto& t : o.tables) {
        kind.push_back(static_cast<std::int64_t>(t.kind));
        index.push_back(t.index);
        rows.push_back(static_cast<std::int64_t>(t.values.size()));
      }
      const auto T = static_cast<std::uint64_t>(o.tables.size());
      f.write(mg + "/table_kind", kind);
      f.set_attr(mg + "/table_kind", "meaning", "0 = encoding (stage input codebook), 1 = activation table");
      f.write(mg + "/table_index", index);
      f.write(mg + "/table_rows", rows);
      f.write(mg + "/lookup_error_rate", o.lookup_error_rate, {S, T});
      f.write(mg + "/rank_offset_hist", o.offset_hist,
              {S, T, static_cast<std::uint64_t>(ndcam::TrialStats::kRankOffsetBins)});
      for (std::size_t k = 0; k < o.tables.size(); ++k) {
        f.write(fmt::format("{}/row_rank_offset_hist_{}", mg, k), o.row_hist[k],
                {S, static_cast<std::uint64_t>(o.tables[k].values.size()),
                 static_cast<std::uint64_t>(ndcam::TrialStats::kRankOffsetBins)});
      }
      f.set_attr(mg, "recorded_images", o.recorded_images);
      if (!o.query_count.empty()) f.write(mg + "/query_count", o.query_count);
      f.set_attr(mg + "/rank_offset_hist", "bins",
                 fmt::format("returned - nearest row: -{0}..{0}, then below -{0}, above {0}",
                             ndcam::TrialStats::kRankOffsetMax));
    }
  }

  std::filesystem::path composer_file_;
  std::vector<double> sigmas_;
  std::uint64_t trials_ = 5000;
  int value_bits_ = 32;
  int bits_per_stage_ = 8;
  double resolution_s_ = 0.0;
  bool encoding_ = false, activation_ = false;
  composer::Accumulation accumulation_ = composer::Accumulation::kCounting;
  std::int64_t recorded_images_ = 100;
  ndcam::CircuitParams circuit_;
  std::vector<ModelSpec> models_;
  std::vector<ModelOutcome> outcomes_;
};

}  // namespace

ExperimentInfo ndcam_accuracy_experiment() {
  return {"ndcam_accuracy",
          "delta_e of composed models when their encoding/activation lookups suffer the NDCAM search errors measured "
          "per sigma (accuracy loop)",
          "/ndcam_accuracy/<model>: error, delta_e, delta_e_search per sigma; per table lookup error rate and "
          "rank-offset histogram",
          [] { return std::unique_ptr<Experiment>(new NdcamAccuracy()); }};
}

}  // namespace rapidnn::experiments
