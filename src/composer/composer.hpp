#pragma once
// The DNN composer (paper Sec 3, Figure 4): cluster weights and sampled inputs into codebooks,
// build the product, activation and encoding tables (compose), estimate the error of the
// reinterpreted model with LUT inference, and retrain with weights replaced by their centroids
// in the forward pass until the error loss is small enough (Sec 3.2).
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "composer/codebook_family.hpp"
#include "composer/composed_model.hpp"
#include "composer/input_sampling.hpp"
#include "composer/lut_inference.hpp"
#include "nn/trainer.hpp"

namespace rapidnn::composer {

/// Codebooks of every compute layer, at every size a sweep may select.
struct LayerCodebooks {
  CodebookKind kind = CodebookKind::kTree;
  std::vector<int> compute_nodes;
  std::vector<std::vector<CodebookFamily>> weights;  ///< [stage][group]: 1 group (Dense) or per out channel
  std::vector<CodebookFamily> inputs;                ///< [stage]
  std::vector<int> activation_nodes;
  std::vector<std::pair<float, float>> clip;         ///< [activation]: table domain [A, B]
};

/// One independent clustering problem: the weights of a layer (group 0 of a Dense layer) or of
/// one conv output channel, or the sampled inputs of a layer (group -1). Problems are what the
/// driver spreads over ranks; `values` points into the model or the samples.
struct CodebookProblem {
  int stage = 0;
  int group = -1;
  std::span<const float> values;
};
std::vector<CodebookProblem> codebook_problems(const nn::Model& model, const LayerSamples& samples);
/// Only the own kind's WCSS (the other one NaN; complete_wcss fills it for kept codebooks).
CodebookFamily solve_codebook_problem(const CodebookProblem& problem, CodebookKind kind,
                                      std::span<const int> weight_sizes, std::span<const int> input_sizes);
/// Puts solved problems (solved[i] for problems[i]) together and adds the clip domains.
LayerCodebooks assemble_codebooks(const nn::Model& model, const LayerSamples& samples,
                                  std::span<const CodebookProblem> problems, std::vector<CodebookFamily> solved,
                                  CodebookKind kind, double clip_quantile);
/// All problems on this process (oneTBB over problems), both WCSS unless `both_wcss` is false.
LayerCodebooks build_layer_codebooks(const nn::Model& model, const LayerSamples& samples, CodebookKind kind,
                                     std::span<const int> weight_sizes, std::span<const int> input_sizes,
                                     double clip_quantile, bool both_wcss = true);
/// Fills the WCSS left NaN (the other kind's) of every family of `codebooks`, which must have
/// been built from `model`'s weights and these `samples` (oneTBB over problems).
void complete_wcss(LayerCodebooks& codebooks, const nn::Model& model, const LayerSamples& samples);

struct ComposeSettings {
  int w = 16;
  int u = 16;
  /// Rows of every activation table; 0 computes activations exactly (ReLU: the comparator).
  int q = 0;
  TablePlacement placement = TablePlacement::kArcLength;
};

/// Encodes the model's current weights with the size-w codebooks (nearest centroid), takes the
/// size-u input codebooks and builds the product and activation tables.
ComposedModel compose(const nn::Model& model, const LayerCodebooks& codebooks, const ComposeSettings& settings);

struct ComposerOptions {
  ComposeSettings point;
  CodebookKind codebook = CodebookKind::kTree;
  double input_sample_fraction = 0.02;
  double clip_quantile = 0.001;
  std::uint64_t seed = 1;
  int retrain_epochs = 1;     ///< per retraining iteration
  int max_iterations = 5;     ///< retraining iterations after the initial clustering
  double epsilon = 0.0;       ///< stop when delta_e <= epsilon (on the validation set when given)
  /// SGD settings of retraining (epochs is ignored). The learning rate of retraining epoch e
  /// (counted over all iterations, from 0) is sgd.learning_rate * lr_decay^e: the schedule goes
  /// on across iterations instead of restarting at every re-clustering.
  nn::TrainOptions train;
  /// Also quantize every compute layer's input to its codebook during retraining (straight-
  /// through), so the weights adapt to encoded inputs as well as to clustered weights.
  bool quantize_inputs_in_training = true;
  InferenceOptions inference;
  /// After the timed composer: fill in the other kind's WCSS of the result's codebooks (one more
  /// sampling pass and exact DPs, excluded from `seconds`).
  bool complete_wcss = true;
};

struct IterationRecord {
  int iteration = 0;   ///< 0 = clustering of the given model, k = after the k-th retraining
  double error = 0;    ///< test error of the reinterpreted model
  double delta_e = 0;  ///< error - baseline error
  int epochs = 0;      ///< retraining epochs so far
  double seconds = 0;  ///< composer wall time so far
  /// On the validation set (NaN without one): error of the reinterpreted model and its
  /// difference to the baseline's validation error.
  double validation_error = 0;
  double validation_delta_e = 0;
};

struct ComposerResult {
  /// Of the best iteration: lowest validation delta_e when a validation set is given (the test
  /// set is then only measured), else lowest test delta_e; earliest on ties.
  ComposedModel model;
  LayerCodebooks codebooks;     ///< of the best iteration
  std::vector<IterationRecord> iterations;
  int best_iteration = 0;
  double seconds = 0;
  int epochs = 0;
};

struct LabelledData {
  const nn::Matrix* x = nullptr;
  std::span<const int> labels;
};

/// Runs the composer on `model` (left holding the full-precision weights of the best
/// iteration). `initial` (optional) are codebooks of the model as given, built elsewhere (the
/// driver builds them over MPI ranks); they must contain sizes point.w and point.u.
/// `validation` (optional, x == nullptr: none) is held out of `train` by the caller: when given,
/// the stopping rule (delta_e <= epsilon) and the choice of the best iteration use its delta_e
/// against the baseline's validation error, and the test set is only measured.
ComposerResult run_composer(nn::Model& model, LabelledData train, LabelledData test, double baseline_error,
                            const ComposerOptions& options, const LayerCodebooks* initial = nullptr,
                            LabelledData validation = {});

}  // namespace rapidnn::composer
