#include "composer/composer.hpp"

#include <chrono>
#include <limits>
#include <map>

#include <tbb/parallel_for.h>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"
#include "nn/model_state.hpp"

namespace rapidnn::composer {

namespace {

const nn::Matrix& weights_of(const nn::Model& model, int node) {
  return model.layer(node).kind() == nn::LayerKind::kDense ? model.dense_at(node).weights()
                                                            : model.conv2d_at(node).weights();
}
const nn::Matrix& bias_of(const nn::Model& model, int node) {
  return model.layer(node).kind() == nn::LayerKind::kDense ? model.dense_at(node).bias() : model.conv2d_at(node).bias();
}

}  // namespace

std::vector<CodebookProblem> codebook_problems(const nn::Model& model, const LayerSamples& samples) {
  const auto nodes = model.compute_nodes();
  RAPIDNN_THROW_IF_NOT(samples.compute_nodes == nodes, InvalidArgument,
                       "samples are for {} compute layers, the model has {}", samples.compute_nodes.size(), nodes.size());
  std::vector<CodebookProblem> problems;
  for (std::size_t s = 0; s < nodes.size(); ++s) {
    const auto& wts = weights_of(model, nodes[s]);
    const int stage = static_cast<int>(s);
    if (model.layer(nodes[s]).kind() == nn::LayerKind::kDense) {
      problems.push_back({stage, 0, std::span<const float>(wts.data(), static_cast<std::size_t>(wts.size()))});
    } else {
      for (std::int64_t g = 0; g < wts.rows(); ++g)
        problems.push_back({stage, static_cast<int>(g),
                            std::span<const float>(wts.row(g).data(), static_cast<std::size_t>(wts.cols()))});
    }
    problems.push_back({stage, -1, std::span<const float>(samples.inputs[s])});
  }
  return problems;
}

CodebookFamily solve_codebook_problem(const CodebookProblem& problem, CodebookKind kind,
                                      std::span<const int> weight_sizes, std::span<const int> input_sizes) {
  return build_codebook_family(problem.values, kind, problem.group < 0 ? input_sizes : weight_sizes, false);
}

LayerCodebooks assemble_codebooks(const nn::Model& model, const LayerSamples& samples,
                                  std::span<const CodebookProblem> problems, std::vector<CodebookFamily> solved,
                                  CodebookKind kind, double clip_quantile) {
  RAPIDNN_THROW_IF_NOT(problems.size() == solved.size(), InvalidArgument, "{} problems but {} solutions",
                       problems.size(), solved.size());
  LayerCodebooks cb;
  cb.kind = kind;
  cb.compute_nodes = model.compute_nodes();
  cb.weights.resize(cb.compute_nodes.size());
  cb.inputs.resize(cb.compute_nodes.size());
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const auto s = static_cast<std::size_t>(problems[i].stage);
    if (problems[i].group < 0) {
      cb.inputs[s] = std::move(solved[i]);
    } else {
      auto& groups = cb.weights[s];
      RAPIDNN_ASSERT(static_cast<std::size_t>(problems[i].group) == groups.size());
      groups.push_back(std::move(solved[i]));
    }
  }
  cb.activation_nodes = samples.activation_nodes;
  for (const auto& pre : samples.pre_activations) cb.clip.push_back(clip_domain(pre, clip_quantile));
  return cb;
}

LayerCodebooks build_layer_codebooks(const nn::Model& model, const LayerSamples& samples, CodebookKind kind,
                                     std::span<const int> weight_sizes, std::span<const int> input_sizes,
                                     double clip_quantile, bool both_wcss) {
  const auto problems = codebook_problems(model, samples);
  std::vector<CodebookFamily> solved(problems.size());
  // Largest problems (the input samples) are listed after each layer's weights; a grain of 1
  // lets oneTBB balance them.
  tbb::parallel_for(std::size_t{0}, problems.size(), [&](std::size_t i) {
    const auto& p = problems[i];
    solved[i] = build_codebook_family(p.values, kind, p.group < 0 ? input_sizes : weight_sizes, both_wcss);
  });
  return assemble_codebooks(model, samples, problems, std::move(solved), kind, clip_quantile);
}

void complete_wcss(LayerCodebooks& codebooks, const nn::Model& model, const LayerSamples& samples) {
  const auto problems = codebook_problems(model, samples);
  tbb::parallel_for(std::size_t{0}, problems.size(), [&](std::size_t i) {
    const auto& p = problems[i];
    const auto s = static_cast<std::size_t>(p.stage);
    auto& family = p.group < 0 ? codebooks.inputs[s] : codebooks.weights[s][static_cast<std::size_t>(p.group)];
    complete_wcss(family, p.values);
  });
}

ComposedModel compose(const nn::Model& model, const LayerCodebooks& codebooks, const ComposeSettings& settings) {
  const auto nodes = model.compute_nodes();
  RAPIDNN_THROW_IF_NOT(codebooks.compute_nodes == nodes, InvalidArgument,
                       "codebooks are for {} compute layers, the model has {}", codebooks.compute_nodes.size(),
                       nodes.size());
  std::vector<ComputeStage> stages;
  for (std::size_t s = 0; s < nodes.size(); ++s) {
    const int node = nodes[s];
    const auto& layer = model.layer(node);
    const auto& wts = weights_of(model, node);
    const auto& bias = bias_of(model, node);
    ComputeStage st;
    st.node = node;
    st.name = layer.name();
    st.conv = layer.kind() == nn::LayerKind::kConv2D;
    st.w = settings.w;
    st.u = settings.u;
    st.out = static_cast<int>(wts.rows());
    st.fan_in = static_cast<int>(wts.cols());
    st.groups = st.conv ? st.out : 1;
    RAPIDNN_THROW_IF_NOT(static_cast<int>(codebooks.weights[s].size()) == st.groups, InvalidArgument,
                         "layer '{}': {} weight codebooks for {} groups", st.name, codebooks.weights[s].size(), st.groups);
    st.input_centroids = codebooks.inputs[s].at(settings.u);
    const std::size_t W = static_cast<std::size_t>(st.w), U = static_cast<std::size_t>(st.u);
    st.weight_centroids.resize(static_cast<std::size_t>(st.groups) * W);
    st.products.resize(static_cast<std::size_t>(st.groups) * W * U);
    st.weight_codes.resize(static_cast<std::size_t>(wts.size()));
    for (int g = 0; g < st.groups; ++g) {
      const auto& c = codebooks.weights[s][static_cast<std::size_t>(g)].at(settings.w);
      std::copy(c.begin(), c.end(), st.weight_centroids.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(g) * W));
      for (std::size_t a = 0; a < W; ++a)
        for (std::size_t b = 0; b < U; ++b)
          st.products[(static_cast<std::size_t>(g) * W + a) * U + b] = c[a] * st.input_centroids[b];
    }
    for (int o = 0; o < st.out; ++o) {
      const int g = st.conv ? o : 0;
      const NearestEncoder enc(codebooks.weights[s][static_cast<std::size_t>(g)].at(settings.w));
      for (int k = 0; k < st.fan_in; ++k)
        st.weight_codes[static_cast<std::size_t>(o) * static_cast<std::size_t>(st.fan_in) + static_cast<std::size_t>(k)] =
            enc.encode(wts(o, k));
      if (!st.conv) break;  // Dense: one encoder for all rows, handled below
    }
    if (!st.conv) {
      const NearestEncoder enc(codebooks.weights[s][0].at(settings.w));
      for (std::int64_t i = 0; i < wts.size(); ++i) st.weight_codes[static_cast<std::size_t>(i)] = enc.encode(wts.data()[i]);
    }
    st.bias.assign(bias.data(), bias.data() + st.out);
    stages.push_back(std::move(st));
  }
  std::vector<ActivationStage> acts;
  for (std::size_t a = 0; a < codebooks.activation_nodes.size(); ++a) {
    const int node = codebooks.activation_nodes[a];
    const auto& layer = static_cast<const nn::ActivationLayer&>(model.layer(node));
    ActivationStage st;
    st.node = node;
    st.name = layer.name();
    st.function = layer.function();
    if (settings.q > 0)
      st.table = make_activation_table(st.function, settings.q, codebooks.clip[a].first, codebooks.clip[a].second,
                                       settings.placement);
    acts.push_back(std::move(st));
  }
  return ComposedModel(model, std::move(stages), std::move(acts));
}

namespace {

LayerCodebooks cluster_model(nn::Model& model, const nn::Matrix& train_x, std::span<const std::int64_t> rows,
                             const ComposerOptions& o) {
  const auto samples = collect_layer_samples(model, train_x, rows);
  const std::vector<int> ws{o.point.w}, us{o.point.u};
  return build_layer_codebooks(model, samples, o.codebook, ws, us, o.clip_quantile, false);
}

}  // namespace

ComposerResult run_composer(nn::Model& model, LabelledData train, LabelledData test, double baseline_error,
                            const ComposerOptions& o, const LayerCodebooks* initial, LabelledData validation) {
  RAPIDNN_THROW_IF_NOT(train.x && test.x, InvalidArgument, "run_composer needs training and test data");
  RAPIDNN_THROW_IF_NOT(o.retrain_epochs >= 1 && o.max_iterations >= 0, InvalidArgument,
                       "retrain_epochs {} must be >= 1 and max_iterations {} >= 0", o.retrain_epochs, o.max_iterations);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const auto rows = sample_indices(train.x->rows(), o.input_sample_fraction, o.seed);
  const bool has_validation = validation.x != nullptr;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // The baseline's validation error (the model as given is the baseline or its retrained self).
  const double baseline_validation =
      has_validation ? nn::evaluate(model, *validation.x, validation.labels).error : nan;

  ComposerResult result;
  auto measure = [&](const ComposedModel& cm, int it, int epochs) {
    IterationRecord r;
    r.iteration = it;
    r.error = lut_error(cm, *test.x, test.labels, o.inference);
    r.delta_e = r.error - baseline_error;
    r.validation_error = has_validation ? lut_error(cm, *validation.x, validation.labels, o.inference) : nan;
    r.validation_delta_e = has_validation ? r.validation_error - baseline_validation : nan;
    r.epochs = epochs;
    r.seconds = elapsed();
    return r;
  };
  // What the stopping rule and the best-iteration choice look at.
  auto decision = [&](const IterationRecord& r) { return has_validation ? r.validation_delta_e : r.delta_e; };

  LayerCodebooks codebooks = initial ? *initial : cluster_model(model, *train.x, rows, o);
  ComposedModel composed = compose(model, codebooks, o.point);
  result.iterations.push_back(measure(composed, 0, 0));
  result.model = composed;
  result.codebooks = codebooks;
  nn::ModelState best_state = nn::export_state(model);
  double best = decision(result.iterations.back());

  nn::TrainOptions topt = o.train;
  topt.epochs = o.retrain_epochs;
  int epochs = 0;
  float lr = o.train.sgd.learning_rate;
  for (int it = 1; it <= o.max_iterations && decision(result.iterations.back()) > o.epsilon; ++it) {
    // Encoders of the current codebooks: weights per (stage, group) at size w, inputs at size u.
    std::map<int, std::size_t> stage_of;
    std::vector<std::vector<NearestEncoder>> wenc(codebooks.compute_nodes.size());
    std::vector<NearestEncoder> uenc;
    for (std::size_t s = 0; s < codebooks.compute_nodes.size(); ++s) {
      stage_of[codebooks.compute_nodes[s]] = s;
      for (const auto& f : codebooks.weights[s]) wenc[s].emplace_back(f.at(o.point.w));
      uenc.emplace_back(codebooks.inputs[s].at(o.point.u));
    }
    topt.project_weights = [&](int node, const nn::Layer&, nn::Matrix& wts) {
      const auto& encs = wenc[stage_of.at(node)];
      // Every weight independently to its nearest centroid: rows in parallel (same result for
      // any partition).
      tbb::parallel_for(std::int64_t{0}, wts.rows(), [&](std::int64_t r) {
        const auto& enc = encs[encs.size() == 1 ? 0 : static_cast<std::size_t>(r)];
        float* row = wts.row(r).data();
        for (std::int64_t k = 0; k < wts.cols(); ++k) row[k] = enc.decode(enc.encode(row[k]));
      });
    };
    if (o.quantize_inputs_in_training)
      topt.hooks.before_compute = [&](int node, const nn::Layer&, nn::Matrix& in) {
        const auto& enc = uenc[stage_of.at(node)];
        tbb::parallel_for(std::int64_t{0}, in.rows(), [&](std::int64_t r) {
          float* v = in.row(r).data();
          for (std::int64_t i = 0; i < in.cols(); ++i) v[i] = enc.decode(enc.encode(v[i]));
        });
      };
    topt.seed = o.train.seed + static_cast<std::uint64_t>(it);
    topt.sgd.learning_rate = lr;
    nn::Trainer trainer(model, topt);
    for (int e = 0; e < o.retrain_epochs; ++e) {
      trainer.set_learning_rate(lr);
      trainer.train_epoch(*train.x, train.labels, epochs + e);
      lr *= topt.lr_decay;
    }
    epochs += o.retrain_epochs;
    codebooks = cluster_model(model, *train.x, rows, o);
    composed = compose(model, codebooks, o.point);
    result.iterations.push_back(measure(composed, it, epochs));
    if (decision(result.iterations.back()) < best) {
      best = decision(result.iterations.back());
      result.best_iteration = it;
      result.model = composed;
      result.codebooks = codebooks;
      best_state = nn::export_state(model);
    }
  }
  nn::import_state(model, best_state);
  result.epochs = epochs;
  result.seconds = elapsed();
  if (o.complete_wcss) {
    // The kept codebooks were built from these weights and the same sample rows (as given, or
    // re-clustered after the best iteration), so the sampling pass reproduces their values.
    const auto samples = collect_layer_samples(model, *train.x, rows);
    complete_wcss(result.codebooks, model, samples);
  }
  return result;
}

}  // namespace rapidnn::composer
