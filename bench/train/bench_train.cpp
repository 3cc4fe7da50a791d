// Training throughput of the Table 2 MLP (784-512-512-10, ReLU, dropout 0.5, SGD momentum) on
// Fashion-MNIST, in images/s and as a fraction of the machine's Eigen sgemm rate measured in
// the same run on the same matrix shapes (every core busy with its own independent GEMMs: an
// upper bound no training step can beat). Optionally trains for several epochs first and
// reports the test error after each (also for the CNN).
//
//   bench_train [--epochs 0] [--rounds 5] [--model mlp|cifar_cnn|both] [--batch 64] [--lr 0.01]
//               [--momentum 0.9] [--data DIR] [--limit N] [--standardize]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/rng.hpp"
#include "nn/dense.hpp"
#include "nn/trainer.hpp"
#include "nn/zoo.hpp"
#ifdef RAPIDNN_BENCH_HAVE_DATASETS
#include "io/datasets/idx.hpp"
#include "io/datasets/normalize.hpp"
#endif

using namespace rapidnn;
using nn::Matrix;

namespace {

struct Data {
  Matrix train_x, test_x;
  std::vector<int> train_y, test_y;
  std::string source;
};

Data load(const std::string& dir, std::int64_t limit, bool standardize) {
  Data d;
#ifdef RAPIDNN_BENCH_HAVE_DATASETS
  if (std::filesystem::exists(dir)) {
    auto tr = datasets::load_fashion_mnist(dir, "train", limit);
    auto te = datasets::load_fashion_mnist(dir, "test", limit < 0 ? -1 : std::max<std::int64_t>(limit / 6, 1));
    datasets::scale_to_unit(tr);
    datasets::scale_to_unit(te);
    if (standardize) {
      // Per-pixel statistics of the training split, applied to both splits.
      const datasets::FeatureStats stats = datasets::compute_feature_stats(tr);
      datasets::standardize(tr, stats);
      datasets::standardize(te, stats);
    }
    d.train_x = Eigen::Map<const Matrix>(tr.features.data(), tr.n, tr.d);
    d.test_x = Eigen::Map<const Matrix>(te.features.data(), te.n, te.d);
    d.train_y.assign(tr.labels.begin(), tr.labels.end());
    d.test_y.assign(te.labels.begin(), te.labels.end());
    d.source = fmt::format("Fashion-MNIST from {} ({} train, {} test)", dir, tr.n, te.n);
    return d;
  }
#endif
  // Same shape as Fashion-MNIST when the files (or the reader) are absent: uniform pixels and
  // labels, which exercises exactly the same code path for the throughput figure.
  const std::int64_t n = limit < 0 ? 60000 : limit;
  d.train_x.resize(n, 784);
  d.test_x.resize(n / 6, 784);
  CounterRng rng(1, RngDomain::kSyntheticData, 0);
  for (std::int64_t i = 0; i < d.train_x.size(); ++i) d.train_x.data()[i] = static_cast<float>(rng.uniform());
  for (std::int64_t i = 0; i < d.test_x.size(); ++i) d.test_x.data()[i] = static_cast<float>(rng.uniform());
  for (std::int64_t i = 0; i < n; ++i) d.train_y.push_back(static_cast<int>(rng.below(10)));
  for (std::int64_t i = 0; i < n / 6; ++i) d.test_y.push_back(static_cast<int>(rng.below(10)));
  d.source = fmt::format("random data of Fashion-MNIST shape ({} train)", n);
  return d;
}

// User + system CPU seconds of this process so far: on a shared machine the wall-clock rates
// of both phases depend on how much CPU the process got, their rates per CPU-second much less.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// FLOPs of one training step of an MLP on a batch: forward, weight gradient and input gradient
// GEMMs (no input gradient for the first layer, as Model::backward skips it).
double mlp_step_flops(nn::Model& m, int batch) {
  double flops = 0;
  bool first = true;
  for (const int node : m.compute_nodes()) {
    const nn::Dense& d = m.dense_at(node);
    const double macs = static_cast<double>(batch) * d.in_features() * d.out_features();
    flops += 2 * macs * (first ? 2 : 3);
    first = false;
  }
  return flops;
}

// Every core runs the training step's GEMMs (same shapes, same Eigen expressions as Dense) on
// its own matrices for about `seconds`; returns the FLOPs done and the wall time taken.
struct GemmRun {
  double flops = 0, seconds = 0;
  double gflops() const { return flops / seconds * 1e-9; }
};
GemmRun eigen_gemm(nn::Model& m, int batch, double seconds) {
  struct Shapes {
    int in, out;
    bool first;
  };
  std::vector<Shapes> layers;
  for (const int node : m.compute_nodes()) {
    const nn::Dense& d = m.dense_at(node);
    layers.push_back({d.in_features(), d.out_features(), layers.empty()});
  }
  const int threads = tbb::this_task_arena::max_concurrency();
  std::vector<double> flops(static_cast<std::size_t>(threads), 0.0);
  const auto start = std::chrono::steady_clock::now();
  tbb::parallel_for(0, threads, [&](int t) {
    std::vector<Matrix> x, w, y, dw, dx;
    for (const Shapes& s : layers) {
      x.push_back(Matrix::Random(batch, s.in));
      w.push_back(Matrix::Random(s.out, s.in));
      y.push_back(Matrix(batch, s.out));
      dw.push_back(Matrix::Zero(s.out, s.in));
      dx.push_back(Matrix(batch, s.in));
    }
    double done = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
      for (std::size_t l = 0; l < layers.size(); ++l) {
        y[l].noalias() = x[l] * w[l].transpose();
        dw[l].noalias() += y[l].transpose() * x[l];
        done += 4.0 * batch * layers[l].in * layers[l].out;
        if (!layers[l].first) {
          dx[l].noalias() = y[l] * w[l];
          done += 2.0 * batch * layers[l].in * layers[l].out;
        }
      }
    }
    flops[static_cast<std::size_t>(t)] = done + dw[0](0, 0) * 0;  // keep results alive
  }, tbb::static_partitioner());
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double total = 0;
  for (double f : flops) total += f;
  return {total, elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nn training throughput vs Eigen GEMM"};
  int epochs = 0, batch = 64;
  float lr = 0.01f, momentum = 0.9f, lr_decay = 1.0f;
  std::string model_name = "mlp", dir = "/usr/share/datasets/fashion-mnist";
  std::int64_t limit = -1;
  std::uint64_t seed = 1;
  bool standardize = false;
  int rounds = 5;
  app.add_option("--epochs", epochs, "training epochs (test error reported after each)");
  app.add_option("--model", model_name, "mlp, cifar_cnn or both");
  app.add_option("--batch", batch, "mini-batch size");
  app.add_option("--lr", lr, "learning rate");
  app.add_option("--lr-decay", lr_decay, "learning rate factor per epoch");
  app.add_option("--momentum", momentum, "SGD momentum");
  app.add_option("--data", dir, "Fashion-MNIST directory (random data when absent)");
  app.add_option("--limit", limit, "use only the first N training images");
  app.add_option("--seed", seed, "seed for init, shuffle and dropout");
  app.add_option("--rounds", rounds, "alternating throughput/GEMM measurement rounds (MLP)");
  app.add_flag("--standardize", standardize, "per-pixel zero mean, unit variance (else [0, 1])");
  CLI11_PARSE(app, argc, argv);

  const Data data = load(dir, limit, standardize);
  fmt::print("data: {}\nthreads: {}\n", data.source, tbb::this_task_arena::max_concurrency());

  std::vector<std::string> models;
  if (model_name == "both") {
    models = {"mlp", "cifar_cnn"};
  } else {
    models = {model_name};
  }
  for (const std::string& name : models) {
    nn::Model model = nn::zoo::build(name, {1, 28, 28}, 10, seed);
    nn::TrainOptions opt;
    opt.sgd.learning_rate = lr;
    opt.sgd.momentum = momentum;
    opt.batch_size = batch;
    opt.epochs = epochs;
    opt.lr_decay = lr_decay;
    opt.seed = seed;
    nn::Trainer trainer(model, opt);
    fmt::print("\nmodel {}: {} parameters, {:.2f} MMAC/image forward\n", name,
               model.parameter_count(), model.macs_per_sample() * 1e-6);
    for (int e = 0; e < epochs; ++e) {
      nn::EpochStats s = trainer.train_epoch(data.train_x, data.train_y, e);
      s.test_error = nn::evaluate(model, data.test_x, data.test_y).error;
      trainer.set_learning_rate(trainer.learning_rate() * lr_decay);
      fmt::print("epoch {:2d}  lr {:.4f}  loss {:.4f}  train error {:.4f}  test error {:.4f}  "
                 "{:.1f} s  {:.0f} images/s\n",
                 e, s.learning_rate, s.mean_loss, s.train_error, s.test_error, s.seconds,
                 s.images_per_s);
      std::fflush(stdout);
    }
    if (name == "mlp") {
      // The machine may be shared: alternate short training segments with GEMM measurements
      // so both see the same load, and compare the best of each.
      const std::int64_t segment = std::min<std::int64_t>(data.train_x.rows(), 256LL * batch);
      const Matrix seg_x = data.train_x.topRows(segment);
      const std::vector<int> seg_y(data.train_y.begin(), data.train_y.begin() + segment);
      const double step_flops = mlp_step_flops(model, batch);
      double best_train = 0, best_peak = 0, train_cpu_s = 0, peak_cpu_s = 0, train_flops = 0, peak_flops = 0;
      for (int round = 0; round < rounds; ++round) {
        const double c0 = cpu_seconds();
        const nn::EpochStats s = trainer.train_epoch(seg_x, seg_y, 1000 + round);
        const double c1 = cpu_seconds();
        const double train_gflops = s.images_per_s * step_flops / batch * 1e-9;
        const GemmRun gemm = eigen_gemm(model, batch, 0.5);
        const double peak = gemm.gflops();
        const double c2 = cpu_seconds();
        train_cpu_s += c1 - c0;
        train_flops += static_cast<double>(segment) * step_flops / batch;
        peak_cpu_s += c2 - c1;
        peak_flops += gemm.flops;
        fmt::print("round {}: training {:.0f} images/s = {:.1f} GFLOP/s; Eigen sgemm {:.1f} GFLOP/s; "
                   "ratio {:.1f} %\n", round, s.images_per_s, train_gflops, peak,
                   100.0 * train_gflops / peak);
        best_train = std::max(best_train, s.images_per_s);
        best_peak = std::max(best_peak, peak);
      }
      const double achieved = best_train * step_flops / batch * 1e-9;
      fmt::print("MLP training (batch {}): {:.0f} images/s = {:.1f} GFLOP/s (GEMM FLOPs only)\n",
                 batch, best_train, achieved);
      fmt::print("Eigen sgemm, same shapes, all {} cores independent: {:.1f} GFLOP/s\n",
                 tbb::this_task_arena::max_concurrency(), best_peak);
      fmt::print("fraction of Eigen GEMM rate: {:.1f} % (best of {} rounds each)\n",
                 100.0 * achieved / best_peak, rounds);
      // Per CPU-second (all rounds): what each phase got done with the CPU time it received,
      // which other processes on a shared machine distort much less than wall-clock rates.
      const double train_per_cpu = train_flops / train_cpu_s * 1e-9, peak_per_cpu = peak_flops / peak_cpu_s * 1e-9;
      fmt::print("per CPU-second: training {:.0f} images = {:.1f} GFLOP; Eigen sgemm {:.1f} GFLOP; "
                 "fraction {:.1f} %\n", train_per_cpu / step_flops * batch * 1e9, train_per_cpu, peak_per_cpu,
                 100.0 * train_per_cpu / peak_per_cpu);
    }
  }
  return 0;
}
