#include "nn/trainer.hpp"

#include <chrono>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/loss.hpp"
#include "nn/parallel.hpp"

namespace rapidnn::nn {

namespace {
bool is_weight(const Layer& layer, const ParamRef& p) {
  return layer.is_compute() && p.name == "weights";
}

void gather_rows(const Matrix& x, std::span<const std::int64_t> rows, Matrix& out) {
  out.resize(static_cast<std::int64_t>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.row(static_cast<std::int64_t>(i)) = x.row(rows[i]);
  }
}

void check_dataset(const Model& model, const Matrix& x, std::span<const int> labels,
                   const char* what) {
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(labels.size()) == x.rows(), InvalidArgument,
                       "{}: {} labels for {} samples", what, labels.size(), x.rows());
  RAPIDNN_THROW_IF_NOT(x.cols() == model.input_shape().size(), InvalidArgument,
                       "{}: samples have {} features, model '{}' expects {} ({})", what, x.cols(),
                       model.topology(), model.input_shape().size(),
                       to_string(model.input_shape()));
}
}  // namespace

Trainer::Trainer(Model& model, TrainOptions options)
    : model_(model), options_(std::move(options)), lr_(options_.sgd.learning_rate) {
  RAPIDNN_THROW_IF_NOT(options_.batch_size > 0, InvalidArgument, "batch size {} must be > 0",
                       options_.batch_size);
  RAPIDNN_THROW_IF_NOT(options_.sgd.learning_rate > 0.0f, InvalidArgument,
                       "learning rate {} must be > 0", options_.sgd.learning_rate);
  RAPIDNN_THROW_IF_NOT(options_.sgd.momentum >= 0.0f && options_.sgd.momentum < 1.0f,
                       InvalidArgument, "momentum {} must lie in [0, 1)", options_.sgd.momentum);
  for (const Model::NodeParam& p : model_.params()) {
    velocity_.push_back(Matrix::Zero(p.param.value->rows(), p.param.value->cols()));
  }
}

Trainer::StepStats Trainer::step(const Matrix& batch, std::span<const int> batch_labels,
                                 const PassContext& ctx) {
  std::vector<Model::NodeParam> params = model_.params();
  RAPIDNN_ASSERT(params.size() == velocity_.size());
  if (!grads_zero_) model_.zero_grads();
  grads_zero_ = false;

  // Straight-through projection: forward/backward see projected weights, the update goes to
  // the saved full-precision ones.
  std::vector<Matrix> saved;
  if (options_.project_weights) {
    for (Model::NodeParam& p : params) {
      const Layer& layer = model_.layer(p.node);
      if (!is_weight(layer, p.param)) continue;
      saved.push_back(*p.param.value);
      options_.project_weights(p.node, layer, *p.param.value);
    }
  }

  const Matrix& logits = model_.forward(batch, ctx, options_.hooks);
  Matrix grad;
  const LossResult loss = softmax_cross_entropy(logits, batch_labels, &grad);
  model_.backward(grad);

  if (options_.project_weights) {
    std::size_t k = 0;
    for (Model::NodeParam& p : params) {
      if (!is_weight(model_.layer(p.node), p.param)) continue;
      std::swap(*p.param.value, saved[k++]);
    }
  }

  // v <- m*v + g (+ wd*w); w <- w - lr*v; then g <- 0 for the next step, all in one pass over
  // each tensor while it is in cache, split over row chunks.
  const float m = options_.sgd.momentum, wd = options_.sgd.weight_decay, lr = lr_;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Matrix& w = *params[i].param.value;
    Matrix& v = velocity_[i];
    Matrix& g = *params[i].param.grad;
    const bool decay = wd > 0.0f && is_weight(model_.layer(params[i].node), params[i].param);
    detail::parallel_chunks(w.rows(), detail::row_grain(w.cols()), [&](std::int64_t b,
                                                                       std::int64_t e) {
      auto vb = v.middleRows(b, e - b).array();
      auto gb = g.middleRows(b, e - b).array();
      auto wb = w.middleRows(b, e - b).array();
      if (decay) {
        vb = m * vb + gb + wd * wb;
      } else {
        vb = m * vb + gb;
      }
      wb -= lr * vb;
      gb = 0.0f;
    });
  }
  grads_zero_ = true;
  return {loss.loss_sum, loss.errors};
}

EpochStats Trainer::train_epoch(const Matrix& x, std::span<const int> labels, int epoch) {
  check_dataset(model_, x, labels, "train_epoch");
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t n = x.rows();
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  if (options_.shuffle) {
    // Fisher-Yates keyed by (seed, epoch): the same permutation on every machine.
    CounterRng rng(options_.seed, RngDomain::kShuffle, static_cast<std::uint64_t>(epoch));
    for (std::int64_t i = n - 1; i > 0; --i) {
      const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
  }
  EpochStats stats;
  stats.epoch = epoch;
  stats.learning_rate = lr_;
  double loss_sum = 0.0;
  std::int64_t errors = 0, step_index = 0;
  Matrix batch;
  std::vector<int> batch_labels;
  for (std::int64_t b = 0; b < n; b += options_.batch_size, ++step_index) {
    const std::int64_t count = std::min<std::int64_t>(options_.batch_size, n - b);
    const std::span<const std::int64_t> rows(order.data() + b, static_cast<std::size_t>(count));
    gather_rows(x, rows, batch);
    batch_labels.resize(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
      batch_labels[static_cast<std::size_t>(i)] = labels[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
    }
    PassContext ctx;
    ctx.training = true;
    ctx.seed = options_.seed;
    ctx.epoch = static_cast<std::uint64_t>(epoch);
    ctx.sample_ids = rows;
    const StepStats s = step(batch, batch_labels, ctx);
    loss_sum += s.loss_sum;
    errors += s.errors;
    if (options_.after_step) options_.after_step(epoch, step_index);
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.mean_loss = n > 0 ? loss_sum / static_cast<double>(n) : 0.0;
  stats.train_error = n > 0 ? static_cast<double>(errors) / static_cast<double>(n) : 0.0;
  stats.images_per_s = stats.seconds > 0 ? static_cast<double>(n) / stats.seconds : 0.0;
  return stats;
}

TrainResult Trainer::fit(const Matrix& x, std::span<const int> labels, const Matrix* test_x,
                         std::span<const int> test_labels) {
  TrainResult result;
  for (int e = 0; e < options_.epochs; ++e) {
    EpochStats s = train_epoch(x, labels, e);
    if (test_x) s.test_error = evaluate(model_, *test_x, test_labels).error;
    result.epochs.push_back(s);
    lr_ *= options_.lr_decay;
  }
  return result;
}

EvalResult evaluate(Model& model, const Matrix& x, std::span<const int> labels, int batch_size,
                    const ForwardHooks& hooks) {
  check_dataset(model, x, labels, "evaluate");
  RAPIDNN_THROW_IF_NOT(batch_size > 0, InvalidArgument, "evaluate: batch size {} must be > 0",
                       batch_size);
  EvalResult r;
  double loss_sum = 0.0;
  std::int64_t errors = 0;
  Matrix batch;
  for (std::int64_t b = 0; b < x.rows(); b += batch_size) {
    const std::int64_t n = std::min<std::int64_t>(batch_size, x.rows() - b);
    batch = x.middleRows(b, n);
    const Matrix& logits = model.forward(batch, PassContext::inference(), hooks);
    const LossResult l = softmax_cross_entropy(
        logits, labels.subspan(static_cast<std::size_t>(b), static_cast<std::size_t>(n)), nullptr);
    loss_sum += l.loss_sum;
    errors += l.errors;
  }
  r.count = x.rows();
  r.mean_loss = r.count > 0 ? loss_sum / static_cast<double>(r.count) : 0.0;
  r.error = r.count > 0 ? static_cast<double>(errors) / static_cast<double>(r.count) : 0.0;
  return r;
}

}  // namespace rapidnn::nn
