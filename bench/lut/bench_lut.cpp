// LUT inference throughput of the reinterpreted Fashion-MNIST MLP / CNN (images/s), with the
// float model's throughput measured in the same run on the same images:
//   float       nn::Model::predict (Eigen GEMM, oneTBB)
//   counting    composer LUT inference, RNA-style pair counting (Sec 4.1)
//   reference   composer LUT inference, dequantized operands through Eigen
// The model is trained briefly on a training subset first so that codebooks see realistic
// weights and activations (throughput does not depend on accuracy, but the code statistics do).
//
//   bench_lut [--model mlp|cifar_cnn] [--images 2000] [--w 16] [--u 16] [--q 0]
//             [--train 6000] [--epochs 1] [--rounds 3] [--data DIR]
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "composer/composer.hpp"
#include "io/datasets/idx.hpp"
#include "io/datasets/normalize.hpp"
#include "nn/trainer.hpp"
#include "nn/zoo.hpp"

using namespace rapidnn;

namespace {

nn::Matrix to_matrix(const datasets::Dataset& d) {
  nn::Matrix x(static_cast<std::int64_t>(d.labels.size()), static_cast<std::int64_t>(d.features.size() / std::max<std::size_t>(1, d.labels.size())));
  for (std::int64_t i = 0; i < x.size(); ++i) x.data()[i] = d.features[static_cast<std::size_t>(i)];
  return x;
}

template <class F>
double best_seconds(int rounds, F&& f) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"LUT inference throughput vs the float model"};
  std::string model_name = "mlp", dir = "/usr/share/datasets/fashion-mnist";
  int images = 2000, w = 16, u = 16, q = 0, train = 6000, epochs = 1, rounds = 3;
  app.add_option("--model", model_name)->check(CLI::IsMember({"mlp", "cifar_cnn"}));
  app.add_option("--images", images);
  app.add_option("--w", w);
  app.add_option("--u", u);
  app.add_option("--q", q);
  app.add_option("--train", train);
  app.add_option("--epochs", epochs);
  app.add_option("--rounds", rounds);
  app.add_option("--data", dir);
  CLI11_PARSE(app, argc, argv);
  if (!std::filesystem::exists(dir)) {
    std::fprintf(stderr, "bench_lut: data folder %s not found (Debian package dataset-fashion-mnist)\n", dir.c_str());
    return 1;
  }
  auto tr = datasets::load_fashion_mnist(dir, "train", train);
  auto te = datasets::load_fashion_mnist(dir, "test", images);
  datasets::scale_to_unit(tr);
  datasets::scale_to_unit(te);
  const nn::Matrix xtr = to_matrix(tr), xte = to_matrix(te);
  const std::vector<int> ytr(tr.labels.begin(), tr.labels.end()), yte(te.labels.begin(), te.labels.end());

  nn::Model model = nn::zoo::build(model_name, nn::Shape{1, 28, 28}, 10, 1);
  nn::TrainOptions t;
  t.sgd.learning_rate = model_name == "mlp" ? 0.05f : 0.03f;
  t.epochs = epochs;
  nn::Trainer(model, t).fit(xtr, ytr);
  const double float_error = nn::error_rate(model, xte, yte);

  const auto rows = composer::sample_indices(xtr.rows(), 0.02, 1);
  const auto samples = composer::collect_layer_samples(model, xtr, rows);
  const std::vector<int> ws{w}, us{u};
  const auto cb = composer::build_layer_codebooks(model, samples, composer::CodebookKind::kTree, ws, us, 0.001);
  const auto cm = composer::compose(model, cb, {w, u, q, composer::TablePlacement::kArcLength});

  std::vector<int> pf, pc, pr;
  const double t_float = best_seconds(rounds, [&] { pf = model.predict(xte); });
  const double t_count = best_seconds(rounds, [&] { pc = composer::lut_predict(cm, xte, {composer::Accumulation::kCounting, 32}); });
  const double t_ref = best_seconds(rounds, [&] { pr = composer::lut_predict(cm, xte, {composer::Accumulation::kReference, 32}); });
  auto err = [&](const std::vector<int>& p) {
    std::int64_t wrong = 0;
    for (std::size_t i = 0; i < p.size(); ++i) wrong += p[i] != yte[i];
    return 100.0 * static_cast<double>(wrong) / static_cast<double>(p.size());
  };
  std::int64_t agree = 0;
  for (std::size_t i = 0; i < pc.size(); ++i) agree += pc[i] == pr[i];
  const double n = static_cast<double>(xte.rows());
  fmt::print("bench_lut: {} on {} Fashion-MNIST test images, w = {}, u = {}, q = {} (tree codebooks), best of {}\n",
             model_name, xte.rows(), w, u, q, rounds);
  fmt::print("{:<28} {:>12} {:>10} {:>12}\n", "path", "images/s", "error %", "vs float");
  fmt::print("{:<28} {:>12.0f} {:>10.2f} {:>12.3f}\n", "float model (Eigen)", n / t_float, 100 * float_error, 1.0);
  fmt::print("{:<28} {:>12.0f} {:>10.2f} {:>12.3f}\n", "LUT counting (RNA way)", n / t_count, err(pc), t_float / t_count);
  fmt::print("{:<28} {:>12.0f} {:>10.2f} {:>12.3f}\n", "LUT reference (dequant+Eigen)", n / t_ref, err(pr), t_float / t_ref);
  fmt::print("counting and reference predictions agree on {:.2f}% of images\n", 100.0 * static_cast<double>(agree) / n);
  return 0;
}
