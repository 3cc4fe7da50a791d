// Experiment `baselines` (paper Table 2): train each configured data set / topology with the
// paper's recipe (SGD with momentum, ReLU hidden layers, dropout 0.5 on FC layers, softmax
// output) and record test error, per-epoch curves, training time and the trained model.
// Runs are spread over ranks (largest first); each run trains on one rank with oneTBB inside.
#include <algorithm>
#include <array>
#include <chrono>

#include "common/data_source.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/progress_board.hpp"
#include "experiment.hpp"
#include "io/model_file.hpp"
#include "nn/trainer.hpp"
#include "nn/zoo.hpp"
#include "par/job_progress.hpp"
#include "par/partition.hpp"

namespace rapidnn::experiments {

namespace {

struct BaselineRun {
  std::string name, topology, paper_dataset;
  DataSource data;
  nn::TrainOptions train;
};

struct RunOutcome {
  double test_error = 0, train_time_s = 0;
  std::vector<double> loss, train_error, test_error_curve, epoch_s;
};

/// Builds the run's model for its data set's sample shape, so that a topology that cannot take
/// the data (cifar_cnn on the 1-D ISOLET/HAR features) is a configuration error at the
/// topology key, raised by `rapidnn validate` too, not a failure in the middle of a run.
void check_topology_fits(ConfigNode& table, const BaselineRun& run) {
  const DataGeometry geo = data_geometry(run.data);
  try {
    (void)nn::zoo::build(run.topology, geo.shape, geo.classes, 0);
  } catch (const InvalidArgument& e) {
    const bool one_d = geo.shape.c == 1 && geo.shape.h == 1;
    table.fail("topology", fmt::format("topology \"{}\" cannot take data set \"{}\" (samples {}, {} classes): {}{}",
                                       run.topology, run.data.dataset, nn::to_string(geo.shape), geo.classes,
                                       e.what(), one_d ? "; its samples are 1-D feature vectors: use topology \"mlp\"" : ""));
  }
}

class Baselines final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto table = root.child("baselines");
    for (auto& r : table.table_array("runs")) {
      BaselineRun run;
      run.name = r.require_string("name");
      run.topology = r.get_choice("topology", "mlp", {"mlp", "mlp_sigmoid", "cifar_cnn"});
      run.paper_dataset = r.get_choice("paper_dataset", "MNIST",
                                       {"MNIST", "ISOLET", "HAR", "CIFAR-10", "CIFAR-100"});
      run.data = parse_data_source(r, config_dir);
      run.train.epochs = static_cast<int>(r.get_int("epochs", 10, 1, 10000));
      run.train.batch_size = static_cast<int>(r.get_int("batch_size", 64, 1, 1 << 16));
      run.train.sgd.learning_rate = static_cast<float>(r.get_double("learning_rate", 0.05, 1e-8, 10.0));
      run.train.sgd.momentum = static_cast<float>(r.get_double("momentum", 0.9, 0.0, 0.999));
      run.train.sgd.weight_decay = static_cast<float>(r.get_double("weight_decay", 0.0, 0.0, 1.0));
      run.train.lr_decay = static_cast<float>(r.get_double("lr_decay", 1.0, 0.01, 1.0));
      for (const auto& other : runs_)
        if (other.name == run.name) r.fail("name", fmt::format("run name \"{}\" is used twice", run.name));
      check_topology_fits(r, run);
      runs_.push_back(std::move(run));
    }
    if (runs_.empty()) table.fail("runs", "at least one [[baselines.runs]] table is required");
  }

  void run(RunContext& ctx) override {
    const auto& comm = ctx.comm;
    std::vector<std::uint64_t> cost;
    for (const auto& r : runs_) cost.push_back(static_cast<std::uint64_t>(r.train.epochs) * (r.topology == "cifar_cnn" ? 20 : 1));
    const auto owner = par::balance_by_cost(cost, comm.size());
    outcomes_.assign(runs_.size(), {});
    std::vector<nn::Model> models;
    std::vector<ProgressBoard::Task> tasks;
    std::string plan;
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      auto& r = runs_[i];
      r.train.seed = ctx.seed + i;
      // Every rank builds the model (cheap) so that all know tensor names and shapes for the
      // file; only the owner trains it. Weight init is keyed by the run's seed, not the rank.
      const DataGeometry geo = data_geometry(r.data);
      models.push_back(nn::zoo::build(r.topology, geo.shape, geo.classes, r.train.seed));
      // Items are training images (epochs x set size, known once the owner has read the data);
      // an image of a larger model costs more, which the job's ETA takes into account.
      tasks.push_back({r.name, owner[i], 0, static_cast<double>(models.back().macs_per_sample())});
      plan += fmt::format("{}{} on rank {}", plan.empty() ? "" : ", ", r.name, owner[i]);
    }
    log_info(fmt::format("baselines: {} run(s) on {} rank(s): {}", runs_.size(), comm.size(), plan));
    // Each rank trains its runs; rank 0 shows the progress of all of them, and a failure on
    // any rank stops the others at their next step (par::JobProgress).
    par::JobProgress progress(comm, "train", "images", tasks);
    progress.run([&] {
      for (std::size_t i = 0; i < runs_.size(); ++i)
        if (owner[i] == comm.rank()) train(i, models[i], progress);
    });
    // Share each run's statistics from its owner, then write everything collectively.
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      auto& o = outcomes_[i];
      const int root = owner[i];
      for (auto* v : {&o.loss, &o.train_error, &o.test_error_curve, &o.epoch_s}) {
        v->resize(static_cast<std::size_t>(runs_[i].train.epochs));
        comm.bcast(std::span<double>(*v), root);
      }
      std::array<double, 2> scalars{o.test_error, o.train_time_s};
      comm.bcast(std::span<double>(scalars), root);
      o.test_error = scalars[0];
      o.train_time_s = scalars[1];

      const std::string g = "/baselines/" + runs_[i].name;
      ctx.out.create_group(g);
      ctx.out.set_attr(g, "dataset", runs_[i].data.dataset);
      ctx.out.set_attr(g, "topology", runs_[i].topology);
      ctx.out.set_attr(g, "paper_dataset", runs_[i].paper_dataset);
      ctx.out.set_attr(g, "test_error", o.test_error);
      ctx.out.set_attr(g, "train_time_s", o.train_time_s);
      ctx.out.set_attr(g, "epochs", runs_[i].train.epochs);
      ctx.out.set_attr(g, "trained_on_rank", root);
      ctx.out.write(g + "/epoch_loss", o.loss);
      ctx.out.write(g + "/epoch_train_error", o.train_error);
      ctx.out.write(g + "/epoch_test_error", o.test_error_curve);
      ctx.out.write(g + "/epoch_time_s", o.epoch_s);
      io::write_model(ctx.out, g + "/model", models[i], root);
    }
  }

  /// Each run trains on one rank: more ranks than runs would idle.
  int max_useful_ranks() const override { return static_cast<int>(runs_.size()); }

  /// Trains run `i` on this rank (its owner) and records its outcome.
  void train(std::size_t i, nn::Model& model, par::JobProgress& progress) {
    BaselineRun& r = runs_[i];
    const auto data = load_data(r.data);
    const nn::Matrix xtr = to_matrix(data.train), xte = to_matrix(data.test);
    const auto ytr = to_labels(data.train), yte = to_labels(data.test);
    const auto n = static_cast<std::uint64_t>(xtr.rows());
    progress.start(i, n * static_cast<std::uint64_t>(r.train.epochs));
    progress.note(i, fmt::format("training {} on {} ({} train / {} test samples, {} epochs)", r.topology,
                                 r.data.dataset, data.train.n, data.test.n, r.train.epochs));
    nn::TrainOptions options = r.train;
    const auto batch = static_cast<std::uint64_t>(options.batch_size);
    options.after_step = [&](int epoch, std::int64_t step) {
      const std::uint64_t in_epoch = std::min(n, (static_cast<std::uint64_t>(step) + 1) * batch);
      progress.advance(i, static_cast<std::uint64_t>(epoch) * n + in_epoch);
    };
    nn::Trainer trainer(model, options);
    auto& o = outcomes_[i];
    const auto t0 = std::chrono::steady_clock::now();
    for (int e = 0; e < r.train.epochs; ++e) {
      auto st = trainer.train_epoch(xtr, ytr, e);
      st.test_error = nn::evaluate(model, xte, yte).error;
      o.loss.push_back(st.mean_loss);
      o.train_error.push_back(st.train_error);
      o.test_error_curve.push_back(st.test_error);
      o.epoch_s.push_back(st.seconds);
      progress.note(i, fmt::format("epoch {}/{}: loss {:.4f}, train error {:.2f}%, test error {:.2f}%, lr {:.4g}, {:.1f}s",
                                   e + 1, r.train.epochs, st.mean_loss, 100 * st.train_error, 100 * st.test_error,
                                   st.learning_rate, st.seconds));
      trainer.set_learning_rate(trainer.learning_rate() * r.train.lr_decay);
    }
    o.train_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.test_error = o.test_error_curve.back();
  }

  /// Our numbers only: analysis/report.py puts them beside the paper's Table 2 (the paper's
  /// values live in one place, analysis/paper_values.py).
  std::string report() const override {
    std::string s = fmt::format("{:<22} {:<14} {:<10} {:<14} {:>11} {:>10}\n", "run", "dataset", "topology",
                                "stands in for", "test error", "train s");
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      s += fmt::format("{:<22} {:<14} {:<10} {:<14} {:>10.2f}% {:>10.1f}\n", runs_[i].name, runs_[i].data.dataset,
                       runs_[i].topology, runs_[i].paper_dataset, 100 * outcomes_[i].test_error,
                       outcomes_[i].train_time_s);
    }
    return s;
  }

 private:
  std::vector<BaselineRun> runs_;
  std::vector<RunOutcome> outcomes_;
};

}  // namespace

ExperimentInfo baselines_experiment() {
  return {"baselines", "train the Table 2 baseline networks (SGD+momentum, dropout 0.5 on FC layers)",
          "/baselines/<run>: test_error, per-epoch loss/error curves, training time, the trained model",
          [] { return std::unique_ptr<Experiment>(new Baselines()); }};
}

}  // namespace rapidnn::experiments
