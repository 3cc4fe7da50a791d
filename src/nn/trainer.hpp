#pragma once
// Mini-batch SGD with momentum (the paper's recipe, Sec 5.2: ReLU hidden layers, dropout 0.5 on
// FC layers, softmax output with cross-entropy) and batched evaluation.
//
// Update (torch convention): v <- momentum*v + (g + weight_decay*w); w <- w - lr*v.
//
// Straight-through retraining (paper Sec 3.2): when TrainOptions::project_weights is set, each
// step (1) saves the full-precision weights of every Dense/Conv2D, (2) calls the projection on
// each (e.g. replace each weight by its nearest centroid), (3) runs forward+backward with the
// projected weights, (4) restores the full-precision weights and (5) applies the SGD update to
// them with the gradients from (3). After the last step the model holds full-precision
// weights: project once more to get the deployable model.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "nn/model.hpp"

namespace rapidnn::nn {

struct SgdOptions {
  float learning_rate = 0.01f;
  float momentum = 0.9f;
  float weight_decay = 0.0f;  // L2 on weights only (not biases, not BatchNorm)
};

/// Called with (node, layer, weights) to project a compute layer's weights for the forward pass.
using WeightProjection = std::function<void(int node, const Layer& layer, Matrix& weights)>;
/// Called after every optimizer step with (epoch, step within epoch).
using StepHook = std::function<void(int epoch, std::int64_t step)>;

struct TrainOptions {
  SgdOptions sgd;
  int batch_size = 64;
  int epochs = 10;
  float lr_decay = 1.0f;  // learning rate multiplied by this after every epoch
  std::uint64_t seed = 1;  // shuffle (RngDomain::kShuffle, item = epoch) and dropout
  bool shuffle = true;
  WeightProjection project_weights;  // optional straight-through projection
  ForwardHooks hooks;                // optional hooks applied in every training forward
  StepHook after_step;               // optional
};

struct EpochStats {
  int epoch = 0;
  double mean_loss = 0.0;     // training cross-entropy (with dropout active)
  double train_error = 0.0;   // fraction misclassified during the epoch's training passes
  double test_error = -1.0;   // on the evaluation set when one was given, else -1
  double learning_rate = 0.0;
  double seconds = 0.0;
  double images_per_s = 0.0;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
};

struct EvalResult {
  double mean_loss = 0.0;
  double error = 0.0;  // fraction misclassified
  std::int64_t count = 0;
};

class Trainer {
 public:
  Trainer(Model& model, TrainOptions options);

  /// One pass over (x, labels) in shuffled mini-batches; `epoch` keys shuffle and dropout.
  EpochStats train_epoch(const Matrix& x, std::span<const int> labels, int epoch);
  /// options.epochs epochs; when test_x is given, the test error is measured after each.
  TrainResult fit(const Matrix& x, std::span<const int> labels, const Matrix* test_x = nullptr,
                  std::span<const int> test_labels = {});
  /// One SGD step on a batch; ctx carries epoch, seed and the rows' sample ids for dropout.
  struct StepStats {
    double loss_sum = 0.0;
    std::int64_t errors = 0;
  };
  StepStats step(const Matrix& batch, std::span<const int> batch_labels, const PassContext& ctx);

  float learning_rate() const { return lr_; }
  void set_learning_rate(float lr) { lr_ = lr; }
  const TrainOptions& options() const { return options_; }

 private:
  Model& model_;
  TrainOptions options_;
  float lr_;
  std::vector<Matrix> velocity_;  // one per Model::params() entry
  bool grads_zero_ = false;       // the last update left every gradient zeroed
};

/// Loss and error of the model on (x, labels), forwarded in batches (inference mode, each
/// batch parallel inside with oneTBB). Optional hooks apply to every forward (e.g. the
/// composer's quantized inputs).
EvalResult evaluate(Model& model, const Matrix& x, std::span<const int> labels,
                    int batch_size = 256, const ForwardHooks& hooks = {});
inline double error_rate(Model& model, const Matrix& x, std::span<const int> labels,
                         int batch_size = 256) {
  return evaluate(model, x, labels, batch_size).error;
}

}  // namespace rapidnn::nn
