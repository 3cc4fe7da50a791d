// Experiment `codebooks` (paper Sec. 3.1 at ImageNet scale): the weight codebooks of a whole
// network -- one per FC layer, one per conv output channel -- both the flat k-means codebook of
// size k (w in the paper) and the tree codebook to 2^tree_levels leaves, distributed over the
// MPI ranks (src/distributed: small problems whole and balanced by size, oneTBB inside a rank;
// layers above shard_above sharded and reduced to O(bins + k) statistics per pass). Weights come
// from a Keras HDF5 weight file (keras.applications layout) or are synthetic (documented
// distribution, see distributed/weight_source.hpp). The codebooks do not depend on the rank
// count. Output: every tree level's codebook per layer/channel, per-problem WCSS / iterations /
// time, per-rank timing and bytes communicated, written with collective parallel I/O.
#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>

#include "core/error.hpp"
#include "distributed/activation_samples.hpp"
#include "distributed/codebook_job.hpp"
#include "distributed/codebook_output.hpp"
#include "distributed/sharded_kmeans.hpp"
#include "experiment.hpp"
#include "io/datasets/idx.hpp"
#include "nn/zoo.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::experiments {

namespace {

class Codebooks final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("codebooks");
    topology_ = t.get_string("topology", "vgg16");
    try {
      layers_ = distributed::topology_layers(topology_);
    } catch (const InvalidArgument& e) {
      t.fail("topology", e.what());
    }
    params_.k = static_cast<int>(t.get_int("k", 64, 0, 1 << 16));
    params_.tree_levels = static_cast<int>(t.get_int("tree_levels", 6, 0, cluster::kMaxTreeLevels));
    if (params_.k == 0 && params_.tree_levels == 0) t.fail("k", "k = 0 and tree_levels = 0: nothing to compute");
    params_.shard_above = static_cast<std::uint64_t>(t.get_int("shard_above", 1 << 20, 1, std::int64_t{1} << 40));
    params_.fast.histogram_bins = static_cast<int>(t.get_int("histogram_bins", 1 << 16, 64, 1 << 24));
    params_.fast.max_refine_passes = static_cast<int>(t.get_int("refine_passes", 2, 1, 1000));
    params_.fast.max_lloyd_steps = static_cast<int>(t.get_int("lloyd_steps", 8, 0, 100000));
    weights_ = t.get_choice("weights", "synthetic", {"synthetic", "keras", "model"});
    model_file_ = t.get_string("model_file", "");
    model_group_ = t.get_string("model_group", "/model");
    if (weights_ == "model" && model_file_.empty()) t.fail("model_file", "weights = \"model\" needs model_file");
    if (!model_file_.empty()) model_file_ = resolve_path(config_dir, model_file_).string();
    keras_file_ = t.get_string("keras_file", "");
    if (weights_ == "keras" && keras_file_.empty()) t.fail("keras_file", "weights = \"keras\" needs keras_file");
    if (!keras_file_.empty()) keras_file_ = resolve_path(config_dir, keras_file_).string();

    // Input codebooks from sampled layer inputs (off unless images > 0).
    auto a = t.child("activations");
    act_.images = static_cast<std::uint64_t>(a.get_int("images", 0, 0, std::int64_t{1} << 40));
    act_.reservoir = static_cast<std::uint64_t>(a.get_int("reservoir", 1 << 20, 1, std::int64_t{1} << 36));
    act_.batch = static_cast<int>(a.get_int("batch", 16, 1, 1 << 16));
    act_model_ = a.get_string("model", topology_ == "mnist_mlp" ? "mlp" : topology_);
    act_classes_ = static_cast<int>(a.get_int("classes", act_model_ == "mlp" || act_model_ == "cifar_cnn" ? 10 : 1000,
                                              2, 1 << 20));
    act_k_ = static_cast<int>(a.get_int("k", params_.k > 0 ? params_.k : 64, 1, 1 << 16));
    act_levels_ = static_cast<int>(a.get_int("tree_levels", params_.tree_levels, 0, cluster::kMaxTreeLevels));
    // Images from an IDX file (MNIST / Fashion-MNIST format, raw or .gz; pixels / 255) when the
    // user has one, else synthetic images with the run's seed.
    act_idx_ = a.get_string("idx_images", "");
    if (!act_idx_.empty()) act_idx_ = resolve_path(config_dir, act_idx_).string();
    if (act_.images > 0) {
      const auto known = nn::zoo::names();
      if (std::find(known.begin(), known.end(), act_model_) == known.end())
        a.fail("model", fmt::format("unknown nn model '{}'; known: {}", act_model_, fmt::join(known, ", ")));
    }
  }

  void run(RunContext& ctx) override {
    std::unique_ptr<distributed::WeightSource> source;
    if (weights_ == "keras") {
      // Every rank checks the file (shapes are read once; the data only as each rank needs it).
      par::coordinated(ctx.comm, [&] { source = std::make_unique<distributed::KerasWeights>(keras_file_, layers_); });
    } else if (weights_ == "model") {
      par::coordinated(ctx.comm, [&] {
        source = std::make_unique<distributed::ModelFileWeights>(model_file_, model_group_, layers_);
      });
    } else {
      source = std::make_unique<distributed::SyntheticWeights>(layers_, ctx.seed);
    }
    job_ = distributed::run_codebook_job(ctx.comm, layers_, *source, params_);
    ranks_ = ctx.comm.size();
    wall_s_ = ctx.comm.max(job_.rank.total_s);
    bytes_ = ctx.comm.sum(job_.rank.bytes_communicated);
    peak_rss_ = ctx.comm.max(job_.rank.peak_rss_bytes);
    distributed::write_codebook_job(ctx.out, "/codebooks", job_, params_, source->describe());
    ctx.out.set_attr("/codebooks", "topology", topology_);
    ctx.out.set_attr("/codebooks", "wall_s", wall_s_);
    ctx.out.set_attr("/codebooks", "ranks", ranks_);
    ctx.out.set_attr("/codebooks", "passes_flat_sharded", job_.passes_flat);
    ctx.out.set_attr("/codebooks", "passes_tree_sharded", job_.passes_tree);
    if (act_.images > 0) run_activations(ctx);
  }

  /// Every rank forwards whole batches of synthetic images (fixed seed) through the nn model
  /// (weights: the zoo's He/Glorot initialisation from the seed), keeps a bottom-k sample per
  /// layer input, and the samples are clustered as sharded problems. Replicated results: rank 0
  /// writes them.
  void run_activations(RunContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    nn::Model model = nn::zoo::build(act_model_, nn::zoo::default_input(act_model_), act_classes_, ctx.seed);
    act_.seed = ctx.seed;
    const std::int64_t pixels = model.input_shape().size();
    distributed::ImageSource images = distributed::synthetic_images(ctx.seed, pixels);
    std::string source = "synthetic: N(0,1) pixels, CounterRng(seed, kSyntheticData, 2^62 + image)";
    if (!act_idx_.empty()) {
      auto idx = std::make_shared<datasets::IdxImages>();
      par::coordinated(ctx.comm, [&] {
        *idx = datasets::read_idx_images(act_idx_, static_cast<std::int64_t>(act_.images));
        RAPIDNN_THROW_IF_NOT(static_cast<std::uint64_t>(idx->count) == act_.images, InvalidArgument,
                             "{}: {} images, the configuration asks for {}", act_idx_, idx->count, act_.images);
        RAPIDNN_THROW_IF_NOT(std::int64_t{idx->rows} * idx->cols == pixels, InvalidArgument,
                             "{}: {}x{} images, model '{}' takes {} values", act_idx_, idx->rows, idx->cols,
                             act_model_, pixels);
      });
      images = [idx, pixels](std::uint64_t i) {
        std::vector<float> v(static_cast<std::size_t>(pixels));
        for (std::int64_t j = 0; j < pixels; ++j)
          v[static_cast<std::size_t>(j)] = idx->pixels[static_cast<std::size_t>(i * pixels + j)] / 255.0f;
        return v;
      };
      source = "idx: " + act_idx_ + " (pixels / 255)";
    }
    const auto samples = distributed::sample_activations(ctx.comm, model, images, act_);
    const double sample_s = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const std::uint64_t L = samples.size();
    const auto K = static_cast<std::uint64_t>(act_k_);
    std::vector<double> cents(L * K, std::numeric_limits<double>::quiet_NaN()), wcss(L), tree_wcss;
    std::vector<std::uint64_t> seen(L), kept(L);
    std::vector<std::vector<double>> levels(static_cast<std::size_t>(act_levels_));
    std::vector<std::string> names;
    for (std::size_t l = 0; l < L; ++l) {
      const auto& smp = samples[l];
      names.push_back(smp.name);
      seen[l] = smp.seen;
      kept[l] = ctx.comm.sum<std::uint64_t>(smp.values.size());
      // One histogram per layer sample, shared by its flat codebook and its tree.
      const auto h = distributed::sharded_histogram(
          ctx.comm, smp.values, params_.fast.histogram_bins,
          act_levels_ > 0 ? cluster::BinExtrema::kKeep : cluster::BinExtrema::kSkip, "activation sample");
      const auto flat = distributed::sharded_kmeans(ctx.comm, smp.values, h, act_k_, params_.fast);
      std::copy(flat.centroids.begin(), flat.centroids.end(), cents.begin() + static_cast<std::ptrdiff_t>(l * K));
      wcss[l] = flat.wcss;
      if (act_levels_ > 0) {
        const auto tree = distributed::sharded_tree(ctx.comm, smp.values, h, act_levels_);
        tree_wcss.insert(tree_wcss.end(), tree.level_wcss.begin(), tree.level_wcss.end());
        for (int lv = 1; lv <= act_levels_; ++lv)
          levels[static_cast<std::size_t>(lv - 1)].insert(levels[static_cast<std::size_t>(lv - 1)].end(),
                                                          tree.level(lv).begin(), tree.level(lv).end());
      }
    }
    const double total_s = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    auto& out = ctx.out;
    const std::string g = "/codebooks/activations";
    out.create_group(g);
    out.set_attr(g, "model", act_model_);
    out.set_attr(g, "images", static_cast<std::int64_t>(act_.images));
    out.set_attr(g, "reservoir", static_cast<std::int64_t>(act_.reservoir));
    out.set_attr(g, "batch", act_.batch);
    out.set_attr(g, "k", act_k_);
    out.set_attr(g, "tree_levels", act_levels_);
    out.set_attr(g, "layer_names", names);
    out.set_attr(g, "images_source", source);
    out.set_attr(g, "sample_s", sample_s);
    out.set_attr(g, "total_s", total_s);
    out.write(g + "/seen", seen);
    out.write(g + "/samples", kept);
    out.write(g + "/flat_centroids", cents, {L, K});
    out.write(g + "/flat_wcss", wcss);
    if (act_levels_ > 0) {
      out.write(g + "/tree_wcss", tree_wcss, {L, static_cast<std::uint64_t>(act_levels_)});
      for (int lv = 1; lv <= act_levels_; ++lv)
        out.write(fmt::format("{}/tree_level_{}", g, lv), levels[static_cast<std::size_t>(lv - 1)],
                  {L, std::uint64_t{1} << lv});
    }
  }

  std::string report() const override {
    // Rank 0 holds the sharded results and its own block; summarise per layer what it has.
    std::map<int, std::pair<int, double>> per_layer;  // layer -> (problems, flat WCSS)
    for (std::size_t i = 0; i < job_.sharded.size(); ++i) {
      auto& e = per_layer[job_.problems[job_.sharded[i]].layer];
      ++e.first;
      e.second += job_.sharded_results[i].flat.wcss;
    }
    std::string s = fmt::format("codebooks of {} ({} layers, {} problems, {} sharded) on {} rank(s): k = {}, "
                                "tree to {} leaves\n",
                                topology_, layers_.size(), job_.problems.size(), job_.sharded.size(), ranks_,
                                params_.k, 1 << params_.tree_levels);
    for (const auto& [layer, e] : per_layer)
      s += fmt::format("  sharded {:<10} flat WCSS {:.6g}\n", layers_[static_cast<std::size_t>(layer)].name, e.second);
    s += fmt::format("wall {:.3f} s (max over ranks), {} bytes communicated in all, peak RSS {:.1f} MiB per rank\n",
                     wall_s_, bytes_, static_cast<double>(peak_rss_) / (1 << 20));
    return s;
  }

 private:
  std::string topology_, weights_, keras_file_, model_file_, model_group_;
  std::vector<distributed::LayerSpec> layers_;
  distributed::JobParams params_;
  distributed::ActivationSampleParams act_;
  std::string act_model_, act_idx_;
  int act_classes_ = 1000, act_k_ = 64, act_levels_ = 0;
  distributed::JobResult job_;
  int ranks_ = 1;
  double wall_s_ = 0;
  std::uint64_t bytes_ = 0, peak_rss_ = 0;
};

}  // namespace

ExperimentInfo codebooks_experiment() {
  return {"codebooks",
          "Weight codebooks of a whole network over MPI ranks (Sec. 3.1): flat k-means + tree, per FC layer / conv channel",
          "/codebooks: per problem flat and tree-level centroids, counts, WCSS, iterations, time; per-rank timing/bytes",
          [] { return std::unique_ptr<Experiment>(new Codebooks()); }};
}

}  // namespace rapidnn::experiments
