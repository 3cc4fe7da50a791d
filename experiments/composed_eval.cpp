// Experiment `composed_eval`: loads the composed model stored by a `composer` run
// (/composer/<model>/composed: codebooks, codes, product / activation / encoding tables and the
// float model that gives the structure) and evaluates it with LUT inference on the test set,
// without re-clustering or recomputing any table (issue: "a composed model can be loaded again
// and evaluated without recomputation"). The data keys (dataset, dir, limits, normalize) are
// those recorded for that model in the composer file's effective config, so the test set and its
// preprocessing are the composer's. Writes /composed_eval/<model>: error, recorded_error,
// matches (1 when equal), w, u, q, seconds, images_per_s.
#include <chrono>

#include "common/composed_io.hpp"
#include "common/data_source.hpp"
#include "composer/composer.hpp"
#include "core/error.hpp"
#include "experiment.hpp"
#include "io/model_file.hpp"
#include "io/result_reader.hpp"

namespace rapidnn::experiments {

namespace {

struct Outcome {
  std::string model;
  double error = 0, recorded = 0, seconds = 0;
  std::int64_t images = 0;
  int w = 0, u = 0, q = 0;
};

class ComposedEval final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("composed_eval");
    file_ = resolve_path(config_dir, t.require_string("composer_file"));
    models_ = t.get_string_list("models", {});
    if (models_.empty()) t.fail("models", "name at least one composer model (a /composer/<model> group)");
    accumulation_ = t.get_choice("accumulation", "counting", {"counting", "reference"}) == "reference"
                        ? composer::Accumulation::kReference
                        : composer::Accumulation::kCounting;
  }

  void run(RunContext& ctx) override {
    io::ResultReader in(file_);
    auto doc = ConfigDocument::parse(in.attr_string("/rapidnn", "config"), file_.string() + ":/rapidnn/config");
    auto root = doc.root();
    auto entries = root.child("composer").table_array("models");
    outcomes_.clear();
    for (const auto& name : models_) {
      const std::string g = "/composer/" + name + "/composed";
      RAPIDNN_THROW_IF_NOT(in.exists(g), IoError, "{}: no composed model {} (models are /composer/<name>)",
                           file_.string(), g);
      ConfigNode* entry = nullptr;
      for (auto& e : entries)
        if (e.get_string("name", "") == name) entry = &e;
      RAPIDNN_THROW_IF_NOT(entry != nullptr, IoError, "{}: model '{}' is not in the recorded composer config",
                           file_.string(), name);
      const DataSource source = parse_data_source(*entry, file_.parent_path());
      const auto data = load_data(source);
      const nn::Matrix xte = to_matrix(data.test);
      const auto yte = to_labels(data.test);
      const nn::Model structure = io::read_model(in, g + "/model");
      const auto t0 = std::chrono::steady_clock::now();
      const composer::ComposedModel cm = read_composed(in, g, structure);
      composer::InferenceOptions opt;
      opt.accumulation = accumulation_;
      Outcome o;
      o.model = name;
      o.error = composer::lut_error(cm, xte, yte, opt);
      o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      o.images = xte.rows();
      o.recorded = in.attr_double(g, "error");
      o.w = cm.w();
      o.u = cm.u();
      o.q = cm.q();
      const std::string og = "/composed_eval/" + name;
      ctx.out.create_group(og);
      ctx.out.set_attr(og, "composer_file", file_.string());
      ctx.out.set_attr(og, "error", o.error);
      ctx.out.set_attr(og, "recorded_error", o.recorded);
      ctx.out.set_attr(og, "matches", static_cast<std::int64_t>(o.error == o.recorded));
      ctx.out.set_attr(og, "w", static_cast<std::int64_t>(o.w));
      ctx.out.set_attr(og, "u", static_cast<std::int64_t>(o.u));
      ctx.out.set_attr(og, "q", static_cast<std::int64_t>(o.q));
      ctx.out.set_attr(og, "test_images", o.images);
      ctx.out.set_attr(og, "seconds", o.seconds);
      ctx.out.set_attr(og, "images_per_s", static_cast<double>(o.images) / o.seconds);
      outcomes_.push_back(o);
    }
  }

  std::string report() const override {
    std::string s = fmt::format("composed models of {} evaluated by LUT inference (no re-clustering)\n", file_.string());
    s += fmt::format("{:<24} {:>4} {:>4} {:>4} {:>10} {:>10} {:>8} {:>9}\n", "model", "w", "u", "q", "error %",
                     "recorded %", "matches", "images/s");
    for (const auto& o : outcomes_)
      s += fmt::format("{:<24} {:>4} {:>4} {:>4} {:>10.2f} {:>10.2f} {:>8} {:>9.0f}\n", o.model, o.w, o.u, o.q,
                       100 * o.error, 100 * o.recorded, o.error == o.recorded ? "yes" : "NO",
                       static_cast<double>(o.images) / o.seconds);
    return s;
  }

 private:
  std::filesystem::path file_;
  std::vector<std::string> models_;
  composer::Accumulation accumulation_ = composer::Accumulation::kCounting;
  std::vector<Outcome> outcomes_;
};

}  // namespace

ExperimentInfo composed_eval_experiment() {
  return {"composed_eval",
          "load the composed model stored by a composer run and evaluate it by LUT inference without re-clustering",
          "/composed_eval/<model>: error, recorded_error, matches, w, u, q, seconds, images_per_s",
          [] { return std::unique_ptr<Experiment>(new ComposedEval()); }};
}

}  // namespace rapidnn::experiments
