// Experiment `composer` (paper Sec 3, Figure 10, Table 3): reinterpret trained networks with
// clustered weights/inputs and lookup tables, retrain with centroid weights (Sec 3.2), and
// record the error loss delta_e for every (w, u) of a grid (and q for the activation tables).
//
// Per model: the baseline comes from a baselines result file or is trained here with the keys
// of a baselines run. Every rank loads the data and the baseline. The initial codebooks (one per
// dense layer, one per conv output channel, one per layer input) are clustering problems spread
// over the ranks by size and gathered; then the sweep points are spread over the ranks, each run
// on one rank (sampling, composing, LUT error estimation, retraining loop), and their results
// gathered. Every computation is keyed by data, not by rank, so the file is identical for any
// rank count. The point named `final` is also stored as a reloadable composed model with its
// codebooks and tables, and gives the Table 3 row (retraining epochs, composer wall time).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "common/composed_io.hpp"
#include "common/data_source.hpp"
#include "common/record_set.hpp"
#include "composer/composer.hpp"
#include "composer/rna_sharing.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "experiment.hpp"
#include "io/model_file.hpp"
#include "io/result_reader.hpp"
#include "nn/model_state.hpp"
#include "nn/trainer.hpp"
#include "nn/zoo.hpp"
#include "par/partition.hpp"

namespace rapidnn::experiments {

namespace {

struct ModelSpec {
  std::string name, topology, paper_dataset;
  DataSource data;
  std::filesystem::path baseline_file;  // empty: train inline
  std::string baseline_run;
  nn::TrainOptions baseline_train;
  std::vector<int> q;  // activation-table rows swept for this model (the composer's q unless set)
  double retrain_fraction = 1.0;  // keyed subset of the non-validation training rows (the composer's unless set)
  composer::Accumulation accumulation = composer::Accumulation::kCounting;  // the composer's unless set
};

struct Point {
  int w = 0, u = 0, q = 0;
};

// Fixed-size summary of one sweep point, gathered over ranks as doubles.
constexpr int kSummaryFields = 12;  // index w u q de0 de_best err_best iterations epochs seconds best_it val_de_best
// Per retraining iteration: test error, test delta_e, epochs, seconds, validation error, validation delta_e.
constexpr int kIterationFields = 6;

struct ModelOutcome {
  double baseline_error = 0;
  std::vector<Point> points;
  std::vector<std::array<double, kSummaryFields>> summary;
  std::vector<std::vector<double>> per_iteration;  // [point]: kIterationFields x (max_it+1), NaN padded
  int final_index = 0;
  std::vector<double> sharing_error;  // [sharing fraction]: error of the final point with shared tables
  std::int64_t fit_rows = 0, validation_rows = 0;
};

nn::Matrix select_rows(const nn::Matrix& x, const std::vector<std::int64_t>& rows) {
  nn::Matrix out(static_cast<std::int64_t>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<std::int64_t>(i)) = x.row(rows[i]);
  return out;
}
std::vector<int> select_labels(const std::vector<int>& y, const std::vector<std::int64_t>& rows) {
  std::vector<int> out;
  out.reserve(rows.size());
  for (auto r : rows) out.push_back(y[static_cast<std::size_t>(r)]);
  return out;
}

std::vector<int> to_ints(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

class Composer final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("composer");
    kind_ = composer::parse_codebook_kind(t.get_choice("codebook", "tree", {"tree", "flat"}));
    w_ = to_ints(t.get_int_list("w", {4, 16, 64}, 1, 256));
    u_ = to_ints(t.get_int_list("u", {4, 16, 64}, 1, 256));
    q_ = to_ints(t.get_int_list("q", {16, 32, 64}, 2, 256));
    const auto q_at = to_ints(t.get_int_list("q_at", {64, 64}, 1, 256));
    const auto fin = to_ints(t.get_int_list("final", {16, 16, 0}, 0, 256));
    if (q_at.size() != 2) t.fail("q_at", "expected [w, u]");
    if (fin.size() != 3 || fin[0] < 1 || fin[1] < 1) t.fail("final", "expected [w, u, q] with w, u >= 1 (q = 0: exact activations)");
    if (w_.empty() || u_.empty()) t.fail("w", "w and u need at least one value each");
    q_at_ = {q_at[0], q_at[1], 0};
    final_ = {fin[0], fin[1], fin[2]};
    if (kind_ == composer::CodebookKind::kTree) {
      auto check = [&](const char* key, const std::vector<int>& v) {
        for (int k : v)
          if (k < 2 || (k & (k - 1)) != 0)
            t.fail(key, fmt::format("tree codebooks need powers of two >= 2, got {}", k));
      };
      check("w", w_);
      check("u", u_);
      check("q_at", q_at);
      check("final", {fin[0], fin[1]});
    }
    opt_.input_sample_fraction = t.get_double("input_sample_fraction", 0.02, 1e-6, 1.0);
    opt_.clip_quantile = t.get_double("clip_quantile", 0.001, 0.0, 0.49);
    opt_.point.placement = t.get_choice("table_placement", "arc_length", {"arc_length", "uniform"}) == "uniform"
                               ? composer::TablePlacement::kUniform
                               : composer::TablePlacement::kArcLength;
    opt_.retrain_epochs = static_cast<int>(t.get_int("retrain_epochs", 1, 1, 1000));
    opt_.max_iterations = static_cast<int>(t.get_int("max_iterations", 5, 0, 100));
    opt_.epsilon = t.get_double("epsilon", 0.0, -1.0, 1.0);
    opt_.train.sgd.learning_rate = static_cast<float>(t.get_double("retrain_learning_rate", 0.005, 1e-8, 10.0));
    opt_.train.sgd.momentum = static_cast<float>(t.get_double("retrain_momentum", 0.9, 0.0, 0.999));
    opt_.train.batch_size = static_cast<int>(t.get_int("retrain_batch_size", 64, 1, 1 << 16));
    opt_.train.lr_decay = static_cast<float>(t.get_double("retrain_lr_decay", 0.7, 0.01, 1.0));
    validation_fraction_ = t.get_double("validation_fraction", 0.1, 0.0, 0.5);
    retrain_fraction_ = t.get_double("retrain_fraction", 1.0, 1e-6, 1.0);
    opt_.quantize_inputs_in_training = t.get_bool("retrain_quantize_inputs", true);
    // RNA sharing (Sec 5.6, Table 4): the final point re-evaluated with shared product tables.
    sharing_ = t.get_double_list("sharing", {0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30}, 0.0, composer::kMaxTableSharing);
    retrain_points_ = t.get_choice("retrain_points", "all", {"all", "final", "none"});
    const std::string accumulation = t.get_choice("accumulation", "counting", {"counting", "reference"});
    opt_.inference.accumulation =
        accumulation == "reference" ? composer::Accumulation::kReference : composer::Accumulation::kCounting;
    for (auto& m : t.table_array("models")) {
      ModelSpec s;
      s.name = m.require_string("name");
      s.topology = m.get_choice("topology", "mlp", {"mlp", "mlp_sigmoid", "cifar_cnn"});
      s.paper_dataset = m.get_choice("paper_dataset", "MNIST", {"MNIST", "ISOLET", "HAR", "CIFAR-10", "CIFAR-100"});
      s.data = parse_data_source(m, config_dir);
      const std::string file = m.get_string("baseline_file", "");
      s.baseline_run = m.get_string("baseline_run", s.name);
      if (!file.empty()) s.baseline_file = resolve_path(config_dir, file);
      s.baseline_train.epochs = static_cast<int>(m.get_int("epochs", 10, 1, 10000));
      s.baseline_train.batch_size = static_cast<int>(m.get_int("batch_size", 64, 1, 1 << 16));
      s.baseline_train.sgd.learning_rate = static_cast<float>(m.get_double("learning_rate", 0.05, 1e-8, 10.0));
      s.baseline_train.sgd.momentum = static_cast<float>(m.get_double("momentum", 0.9, 0.0, 0.999));
      s.baseline_train.sgd.weight_decay = static_cast<float>(m.get_double("weight_decay", 0.0, 0.0, 1.0));
      s.baseline_train.lr_decay = static_cast<float>(m.get_double("lr_decay", 1.0, 0.01, 1.0));
      std::vector<std::int64_t> q_default(q_.begin(), q_.end());
      s.q = to_ints(m.get_int_list("q", q_default, 2, 256));
      s.retrain_fraction = m.get_double("retrain_fraction", retrain_fraction_, 1e-6, 1.0);
      s.accumulation = m.get_choice("accumulation", accumulation, {"counting", "reference"}) == "reference"
                           ? composer::Accumulation::kReference
                           : composer::Accumulation::kCounting;
      for (const auto& other : models_)
        if (other.name == s.name) m.fail("name", fmt::format("model name \"{}\" is used twice", s.name));
      models_.push_back(std::move(s));
    }
    if (models_.empty()) t.fail("models", "at least one [[composer.models]] table is required");
  }

  void run(RunContext& ctx) override {
    outcomes_.clear();
    for (std::size_t i = 0; i < models_.size(); ++i) outcomes_.push_back(run_model(ctx, models_[i], i));
  }

  std::string report() const override {
    std::string s;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      const auto& o = outcomes_[m];
      s += fmt::format("composer '{}' ({}), baseline error {:.2f}%, delta_e in % on the test set (initial -> best "
                       "after retraining; best and stopping by the validation delta_e, {} held-out training rows)\n",
                       models_[m].name, models_[m].topology, 100 * o.baseline_error, o.validation_rows);
      s += fmt::format("{:>5} {:>5} {:>5} {:>9} {:>9} {:>9} {:>7} {:>9}\n", "w", "u", "q", "de0 %", "de %",
                       "val de %", "epochs", "time s");
      for (const auto& r : o.summary)
        s += fmt::format("{:>5} {:>5} {:>5} {:>9.2f} {:>9.2f} {:>9.2f} {:>7} {:>9.1f}\n", int(r[1]), int(r[2]),
                         int(r[3]), 100 * r[4], 100 * r[5], 100 * r[11], int(r[8]), r[9]);
      const auto& f = o.summary[static_cast<std::size_t>(o.final_index)];
      s += fmt::format("Table 3 ({}): final point w={} u={} q={}: {} retraining epochs, {:.1f} s composer wall time\n\n",
                       models_[m].name, int(f[1]), int(f[2]), int(f[3]), int(f[8]), f[9]);
    }
    return s;
  }

 private:
  std::vector<Point> sweep_points(const ModelSpec& spec, int& final_index) const {
    std::vector<Point> pts;
    for (int w : w_)
      for (int u : u_) pts.push_back({w, u, 0});
    for (int q : spec.q) pts.push_back({q_at_.w, q_at_.u, q});
    final_index = -1;
    for (std::size_t i = 0; i < pts.size(); ++i)
      if (pts[i].w == final_.w && pts[i].u == final_.u && pts[i].q == final_.q) final_index = static_cast<int>(i);
    if (final_index < 0) {
      pts.push_back(final_);
      final_index = static_cast<int>(pts.size()) - 1;
    }
    return pts;
  }

  nn::Model baseline_model(const ModelSpec& s, const DataGeometry& geo, const nn::Matrix& xtr,
                           const std::vector<int>& ytr, std::uint64_t seed) const {
    if (!s.baseline_file.empty()) {
      io::ResultReader reader(s.baseline_file);
      return io::read_model(reader, "/baselines/" + s.baseline_run + "/model");
    }
    nn::Model model = nn::zoo::build(s.topology, geo.shape, geo.classes, seed);
    nn::TrainOptions t = s.baseline_train;
    t.seed = seed;
    nn::Trainer trainer(model, t);
    for (int e = 0; e < t.epochs; ++e) {
      trainer.train_epoch(xtr, ytr, e);
      trainer.set_learning_rate(trainer.learning_rate() * t.lr_decay);
    }
    return model;
  }

  // The baseline run's recorded data keys (its effective config in the file) must equal this
  // model's: the composer then feeds the network exactly what it was trained and tested on.
  void check_baseline_data(const ModelSpec& s) const {
    io::ResultReader reader(s.baseline_file);
    const std::string where = fmt::format("{}: baseline run '{}'", s.baseline_file.string(), s.baseline_run);
    RAPIDNN_THROW_IF_NOT(reader.exists("/baselines/" + s.baseline_run), IoError, "{} is not in the file", where);
    auto doc = ConfigDocument::parse(reader.attr_string("/rapidnn", "config"), s.baseline_file.string() + ":/rapidnn/config");
    auto root = doc.root();
    for (auto& run : root.child("baselines").table_array("runs")) {
      if (run.get_string("name", "") != s.baseline_run) continue;
      const DataSource b = parse_data_source(run, s.baseline_file.parent_path());
      auto differs = [&](const char* key, const std::string& ours, const std::string& theirs) {
        if (ours != theirs)
          throw ConfigError(fmt::format("composer model '{}': {} = {} but {} was trained with {} = {}; set "
                                        "composer.models.{} to the baseline's value",
                                        s.name, key, ours, where, key, theirs, key));
      };
      differs("dataset", s.data.dataset, b.dataset);
      differs("normalize", s.data.normalize, b.normalize);
      differs("train_limit", std::to_string(s.data.train_limit), std::to_string(b.train_limit));
      differs("test_limit", std::to_string(s.data.test_limit), std::to_string(b.test_limit));
      return;
    }
    throw IoError(fmt::format("{}: no [[baselines.runs]] entry of that name in the recorded config", where));
  }

  nn::Model clone(const nn::Model& m) const {
    nn::Model c = nn::zoo::build(m.topology(), m.input_shape(), m.num_classes(), 0);
    nn::import_state(c, nn::export_state(m));
    return c;
  }

  ModelOutcome run_model(RunContext& ctx, const ModelSpec& spec, std::size_t model_index) {
    const auto& comm = ctx.comm;
    const std::uint64_t seed = ctx.seed + 1000 * model_index;
    ModelOutcome out;
    // ---- data and baseline (every rank, identical) ----
    const DataGeometry geo = data_geometry(spec.data);
    const auto data = load_data(spec.data);
    const nn::Matrix xtr = to_matrix(data.train), xte = to_matrix(data.test);
    const auto ytr = to_labels(data.train), yte = to_labels(data.test);
    log_info(fmt::format("composer '{}': {} train / {} test samples, baseline {}", spec.name, xtr.rows(), xte.rows(),
                         spec.baseline_file.empty() ? std::string("trained inline") : spec.baseline_file.string()));
    if (!spec.baseline_file.empty()) check_baseline_data(spec);
    nn::Model base = baseline_model(spec, geo, xtr, ytr, seed);
    out.baseline_error = nn::evaluate(base, xte, yte).error;
    if (!spec.baseline_file.empty()) {
      // The stored model on the same preprocessed test set must give the recorded error exactly.
      io::ResultReader reader(spec.baseline_file);
      const double recorded = reader.attr_double("/baselines/" + spec.baseline_run, "test_error");
      RAPIDNN_THROW_IF_NOT(out.baseline_error == recorded, IoError,
                           "composer model '{}': the baseline from {} has test error {} here but {} recorded there",
                           spec.name, spec.baseline_file.string(), out.baseline_error, recorded);
    }
    // Retraining data: a validation split held out of the training set (stopping rule and best
    // iteration), the rest (optionally a keyed subset) for retraining and input sampling.
    std::vector<std::int64_t> fit_rows, val_rows;
    {
      const auto held = validation_fraction_ > 0
                            ? composer::sample_indices(xtr.rows(), validation_fraction_, seed ^ 0x7a11da7eULL)
                            : std::vector<std::int64_t>{};
      std::vector<char> is_val(static_cast<std::size_t>(xtr.rows()), 0);
      for (auto r : held) is_val[static_cast<std::size_t>(r)] = 1;
      const auto keep = composer::sample_indices(xtr.rows(), spec.retrain_fraction, seed ^ 0x5ab5e7ULL);
      std::vector<char> kept(static_cast<std::size_t>(xtr.rows()), spec.retrain_fraction >= 1.0);
      for (auto r : keep) kept[static_cast<std::size_t>(r)] = 1;
      for (std::int64_t r = 0; r < xtr.rows(); ++r) {
        if (is_val[static_cast<std::size_t>(r)]) val_rows.push_back(r);
        else if (kept[static_cast<std::size_t>(r)]) fit_rows.push_back(r);
      }
    }
    const nn::Matrix xfit = select_rows(xtr, fit_rows), xval = select_rows(xtr, val_rows);
    const auto yfit = select_labels(ytr, fit_rows), yval = select_labels(ytr, val_rows);
    out.fit_rows = static_cast<std::int64_t>(fit_rows.size());
    out.validation_rows = static_cast<std::int64_t>(val_rows.size());

    // ---- initial codebooks: clustering problems spread over ranks ----
    out.points = sweep_points(spec, out.final_index);
    std::vector<int> wsizes, usizes;
    for (const auto& p : out.points) {
      wsizes.push_back(p.w);
      usizes.push_back(p.u);
    }
    composer::ComposerOptions opt = opt_;
    opt.codebook = kind_;
    opt.seed = seed;
    const auto t_codebooks = std::chrono::steady_clock::now();
    const auto rows = composer::sample_indices(xfit.rows(), opt.input_sample_fraction, seed);
    const auto samples = composer::collect_layer_samples(base, xfit, rows);
    const auto problems = composer::codebook_problems(base, samples);
    std::vector<std::uint64_t> cost;
    for (const auto& p : problems) cost.push_back(p.values.size());
    const auto owner = par::balance_by_cost(cost, comm.size());
    std::vector<double> mine;
    for (std::size_t i = 0; i < problems.size(); ++i) {
      if (owner[i] != comm.rank()) continue;
      mine.push_back(static_cast<double>(i));
      composer::solve_codebook_problem(problems[i], kind_, wsizes, usizes).append_to(mine);
    }
    const auto all = comm.allgatherv(std::span<const double>(mine));
    std::vector<composer::CodebookFamily> solved(problems.size());
    for (std::size_t pos = 0; pos < all.size();) {
      const auto i = static_cast<std::size_t>(all[pos++]);
      solved[i] = composer::CodebookFamily::read_from(all, pos);
    }
    const auto initial =
        composer::assemble_codebooks(base, samples, problems, std::move(solved), kind_, opt.clip_quantile);
    // Wall time of the input sampling and initial clustering (shared by every point, all sizes of
    // the sweep at once); added to each point's composer time so Table 3 counts the whole composer.
    const double codebook_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_codebooks).count();

    // ---- sweep points spread over ranks ----
    std::vector<std::uint64_t> point_cost;
    for (const auto& p : out.points) point_cost.push_back(static_cast<std::uint64_t>(64 + p.w + p.u + p.q));
    const auto point_owner = par::balance_by_cost(point_cost, comm.size());
    const int iters = opt.max_iterations + 1;
    const composer::LabelledData validation{val_rows.empty() ? nullptr : &xval, yval};
    std::vector<double> local;
    RecordSet composed_set, layer_set;
    nn::Model final_model = clone(base);
    std::size_t owned = 0;
    for (auto o : point_owner) owned += o == comm.rank();
    Progress progress("composer " + spec.name, owned, true, 0.0);
    for (std::size_t i = 0; i < out.points.size(); ++i) {
      if (point_owner[i] != comm.rank()) continue;
      const auto& p = out.points[i];
      nn::Model model = clone(base);
      composer::ComposerOptions po = opt;
      po.point = {p.w, p.u, p.q, opt.point.placement};
      po.inference.accumulation = spec.accumulation;
      po.train.seed = seed + 17 * i;
      const bool retrain = retrain_points_ == "all" || (retrain_points_ == "final" && static_cast<int>(i) == out.final_index);
      if (!retrain) po.max_iterations = 0;
      const auto r =
          composer::run_composer(model, {&xfit, yfit}, {&xte, yte}, out.baseline_error, po, &initial, validation);
      const auto& best = r.iterations[static_cast<std::size_t>(r.best_iteration)];
      local.insert(local.end(), {static_cast<double>(i), double(p.w), double(p.u), double(p.q), r.iterations[0].delta_e,
                                 best.delta_e, best.error, double(r.iterations.size()), double(r.epochs),
                                 codebook_seconds + r.seconds,
                                 double(r.best_iteration), best.validation_delta_e});
      for (int k = 0; k < iters; ++k) {
        if (k < static_cast<int>(r.iterations.size())) {
          const auto& it = r.iterations[static_cast<std::size_t>(k)];
          local.insert(local.end(), {it.error, it.delta_e, double(it.epochs), codebook_seconds + it.seconds, it.validation_error,
                                     it.validation_delta_e});
        } else {
          local.insert(local.end(), kIterationFields, std::numeric_limits<double>::quiet_NaN());
        }
      }
      if (static_cast<int>(i) == out.final_index) {
        composed_set = composed_records(r.model);
        add_codebook_records(layer_set, model, r.codebooks);
        add_table_records(layer_set, model, r, spec.q);
        for (double sh : sharing_)
          out.sharing_error.push_back(composer::lut_error(composer::share_tables(model, r.model, sh), xte, yte, opt.inference));
        final_model = std::move(model);
      }
      progress.advance();
    }
    progress.finish();
    const auto gathered = comm.allgatherv(std::span<const double>(local));
    const std::size_t stride = kSummaryFields + kIterationFields * static_cast<std::size_t>(iters);
    out.summary.resize(out.points.size());
    out.per_iteration.resize(out.points.size());
    for (std::size_t pos = 0; pos + stride <= gathered.size(); pos += stride) {
      const auto i = static_cast<std::size_t>(gathered[pos]);
      std::copy(gathered.begin() + static_cast<std::ptrdiff_t>(pos),
                gathered.begin() + static_cast<std::ptrdiff_t>(pos + kSummaryFields), out.summary[i].begin());
      out.per_iteration[i].assign(gathered.begin() + static_cast<std::ptrdiff_t>(pos + kSummaryFields),
                                  gathered.begin() + static_cast<std::ptrdiff_t>(pos + stride));
    }
    out.sharing_error.resize(sharing_.size());
    comm.bcast(std::span<double>(out.sharing_error), point_owner[static_cast<std::size_t>(out.final_index)]);
    write_model_results(ctx, spec, out, point_owner[static_cast<std::size_t>(out.final_index)], composed_set,
                        layer_set, final_model, iters);
    return out;
  }

  // Encoded weights, product tables, encoding tables (the next layer's input codebook) and
  // activation tables of the final point, per layer. For q = 0 the activation tables that a
  // q-row AM block would hold for each q of the sweep are recorded (from the layer's clip domain).
  void add_table_records(RecordSet& set, const nn::Model& model, const composer::ComposerResult& r,
                         const std::vector<int>& qs) const {
    using U = std::uint64_t;
    const auto& cm = r.model;
    for (std::size_t s = 0; s < cm.stages().size(); ++s) {
      const auto& st = cm.stages()[s];
      set.add(st.name + "/weight_codes", {U(st.out), U(st.fan_in)}, st.weight_codes);
      set.add(st.name + "/products", {U(st.groups), U(st.w), U(st.u)}, st.products);
      if (s + 1 < cm.stages().size())
        set.add(st.name + "/encoding_table", {U(cm.stages()[s + 1].u)}, cm.stages()[s + 1].input_centroids);
    }
    for (std::size_t a = 0; a < cm.activations().size(); ++a) {
      const auto& act = cm.activations()[a];
      std::vector<composer::ActivationTable> tables;
      if (!act.exact()) tables.push_back(act.table);
      else
        for (int q : qs)
          tables.push_back(composer::make_activation_table(act.function, q, r.codebooks.clip[a].first,
                                                           r.codebooks.clip[a].second, opt_.point.placement));
      for (const auto& t : tables) {
        const std::string g = model.layer(act.node).name() + "/activation_table_q" + std::to_string(t.rows()) + "/";
        set.add(g + "y", {U(t.rows())}, t.y());
        set.add(g + "z", {U(t.rows())}, t.z());
      }
    }
  }

  void write_model_results(RunContext& ctx, const ModelSpec& spec, const ModelOutcome& o, int final_owner,
                           const RecordSet& composed_set, const RecordSet& layer_set, const nn::Model& final_model,
                           int iters) {
    auto& f = ctx.out;
    const std::string g = "/composer/" + spec.name;
    f.create_group(g + "/sweep");
    f.create_group(g + "/retrain");
    f.set_attr(g, "topology", spec.topology);
    f.set_attr(g, "dataset", spec.data.dataset);
    f.set_attr(g, "paper_dataset", spec.paper_dataset);
    f.set_attr(g, "baseline_error", o.baseline_error);
    f.set_attr(g, "baseline_source", spec.baseline_file.empty() ? std::string("trained inline") : spec.baseline_file.string());
    f.set_attr(g, "codebook", std::string(composer::to_string(kind_)));
    f.set_attr(g, "accumulation", spec.accumulation == composer::Accumulation::kCounting ? "counting" : "reference");
    f.set_attr(g, "input_sample_fraction", opt_.input_sample_fraction);
    f.set_attr(g, "retrain_epochs_per_iteration", opt_.retrain_epochs);
    f.set_attr(g, "max_iterations", opt_.max_iterations);
    f.set_attr(g, "epsilon", opt_.epsilon);
    f.set_attr(g, "retrain_points", retrain_points_);
    f.set_attr(g, "retrain_learning_rate", static_cast<double>(opt_.train.sgd.learning_rate));
    f.set_attr(g, "retrain_lr_decay", static_cast<double>(opt_.train.lr_decay));
    f.set_attr(g, "validation_fraction", validation_fraction_);
    f.set_attr(g, "retrain_fraction", spec.retrain_fraction);
    f.set_attr(g, "retrain_rows", o.fit_rows);
    f.set_attr(g, "validation_rows", o.validation_rows);
    f.set_attr(g, "normalize", spec.data.normalize);
    const auto& fin = o.summary[static_cast<std::size_t>(o.final_index)];
    f.set_attr(g, "final_w", static_cast<std::int64_t>(fin[1]));
    f.set_attr(g, "final_u", static_cast<std::int64_t>(fin[2]));
    f.set_attr(g, "final_q", static_cast<std::int64_t>(fin[3]));
    f.set_attr(g, "composer_epochs", static_cast<std::int64_t>(fin[8]));
    f.set_attr(g, "composer_seconds", fin[9]);
    const std::size_t P = o.points.size();
    auto column = [&](int field) {
      std::vector<double> v(P);
      for (std::size_t i = 0; i < P; ++i) v[i] = o.summary[i][static_cast<std::size_t>(field)];
      return v;
    };
    auto int_column = [&](int field) {
      std::vector<std::int64_t> v(P);
      for (std::size_t i = 0; i < P; ++i) v[i] = static_cast<std::int64_t>(o.summary[i][static_cast<std::size_t>(field)]);
      return v;
    };
    f.write(g + "/sweep/w", int_column(1));
    f.write(g + "/sweep/u", int_column(2));
    f.write(g + "/sweep/q", int_column(3));
    f.write(g + "/sweep/delta_e_initial", column(4));
    f.write(g + "/sweep/delta_e", column(5));
    f.write(g + "/sweep/error", column(6));
    f.write(g + "/sweep/iterations", int_column(7));
    f.write(g + "/sweep/epochs", int_column(8));
    f.write(g + "/sweep/seconds", column(9));
    f.write(g + "/sweep/best_iteration", int_column(10));
    f.write(g + "/sweep/validation_delta_e", column(11));
    auto per_iteration = [&](int field) {
      std::vector<double> v(P * static_cast<std::size_t>(iters));
      for (std::size_t i = 0; i < P; ++i)
        for (int k = 0; k < iters; ++k)
          v[i * static_cast<std::size_t>(iters) + static_cast<std::size_t>(k)] =
              o.per_iteration[i][static_cast<std::size_t>(kIterationFields * k + field)];
      return v;
    };
    f.write(g + "/sweep/delta_e_per_iteration", per_iteration(1), {P, static_cast<std::uint64_t>(iters)});
    f.write(g + "/sweep/validation_delta_e_per_iteration", per_iteration(5), {P, static_cast<std::uint64_t>(iters)});
    // Retraining history of the final point.
    const auto& hist = o.per_iteration[static_cast<std::size_t>(o.final_index)];
    std::vector<std::int64_t> it_no, epochs;
    std::vector<double> de, err, secs, val_err, val_de;
    for (int k = 0; k < iters; ++k) {
      const auto at = [&](int field) { return hist[static_cast<std::size_t>(kIterationFields * k + field)]; };
      if (std::isnan(at(0))) break;
      it_no.push_back(k);
      err.push_back(at(0));
      de.push_back(at(1));
      epochs.push_back(static_cast<std::int64_t>(at(2)));
      secs.push_back(at(3));
      val_err.push_back(at(4));
      val_de.push_back(at(5));
    }
    f.write(g + "/retrain/iteration", it_no);
    f.write(g + "/retrain/delta_e", de);
    f.write(g + "/retrain/error", err);
    f.write(g + "/retrain/epochs", epochs);
    f.write(g + "/retrain/seconds", secs);
    write_sharing(f, g, o);
    f.write(g + "/retrain/validation_error", val_err);
    f.write(g + "/retrain/validation_delta_e", val_de);
    // The final point: reloadable composed model and per-layer codebooks/tables.
    RecordSet::write_from(ctx.comm, final_owner, composed_set, f, g + "/composed");
    f.set_attr(g + "/composed", "w", static_cast<std::int64_t>(fin[1]));
    f.set_attr(g + "/composed", "u", static_cast<std::int64_t>(fin[2]));
    f.set_attr(g + "/composed", "q", static_cast<std::int64_t>(fin[3]));
    f.set_attr(g + "/composed", "error", fin[6]);
    io::write_model(f, g + "/composed/model", final_model, final_owner);
    RecordSet::write_from(ctx.comm, final_owner, layer_set, f, g + "/layers");
  }

  // /composer/<model>/sharing: Δe of the final point when a fraction of each layer's product
  // tables is shared (src/composer/rna_sharing.hpp; joined into Table 4 by `accelerator`).
  void write_sharing(io::ResultFile& f, const std::string& g, const ModelOutcome& o) const {
    const auto& fin = o.summary[static_cast<std::size_t>(o.final_index)];
    std::vector<double> de;
    for (double e : o.sharing_error) de.push_back(e - o.baseline_error);
    f.create_group(g + "/sharing");
    f.write(g + "/sharing/sharing", sharing_);
    f.write(g + "/sharing/error", o.sharing_error);
    f.write(g + "/sharing/delta_e", de);
    f.set_attr(g + "/sharing", "w", static_cast<std::int64_t>(fin[1]));
    f.set_attr(g + "/sharing", "u", static_cast<std::int64_t>(fin[2]));
    f.set_attr(g + "/sharing", "q", static_cast<std::int64_t>(fin[3]));
    f.set_attr(g + "/sharing", "rule",
               std::string("final point; per layer max(1, ceil(G (1 - s))) of its G product tables kept (Dense: 1 "
                           "table, unchanged), sharers chosen by the smallest increase of squared weight quantization "
                           "error and re-encoded with the host codebook (src/composer/rna_sharing.hpp)"));
  }

  composer::CodebookKind kind_ = composer::CodebookKind::kTree;
  std::vector<double> sharing_;
  std::vector<int> w_, u_, q_;
  Point q_at_, final_;
  std::string retrain_points_ = "all";
  double validation_fraction_ = 0.1, retrain_fraction_ = 1.0;
  composer::ComposerOptions opt_;
  std::vector<ModelSpec> models_;
  std::vector<ModelOutcome> outcomes_;
};

}  // namespace

ExperimentInfo composer_experiment() {
  return {"composer",
          "reinterpret trained networks with clustered weights/inputs and lookup tables; delta_e over (w, u, q) "
          "with retraining (Figure 10, Table 3)",
          "/composer/<model>: sweep (w, u, q, delta_e, error), retrain history, composer time, layers (codebooks, "
          "codes, tables), composed (reloadable)",
          [] { return std::unique_ptr<Experiment>(new Composer()); }};
}

}  // namespace rapidnn::experiments
