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
#include <map>

#include "core/error.hpp"
#include "distributed/codebook_job.hpp"
#include "distributed/codebook_output.hpp"
#include "experiment.hpp"
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
    params_.fast.max_refine_passes = static_cast<int>(t.get_int("refine_passes", 3, 1, 1000));
    params_.tree.bins_per_level = static_cast<int>(t.get_int("tree_bins_per_level", 1 << 16, 64, 1 << 24));
    weights_ = t.get_choice("weights", "synthetic", {"synthetic", "keras"});
    keras_file_ = t.get_string("keras_file", "");
    if (weights_ == "keras" && keras_file_.empty()) t.fail("keras_file", "weights = \"keras\" needs keras_file");
    if (!keras_file_.empty()) keras_file_ = resolve_path(config_dir, keras_file_).string();
  }

  void run(RunContext& ctx) override {
    std::unique_ptr<distributed::WeightSource> source;
    if (weights_ == "keras") {
      // Every rank checks the file (shapes are read once; the data only as each rank needs it).
      par::coordinated(ctx.comm, [&] { source = std::make_unique<distributed::KerasWeights>(keras_file_, layers_); });
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
  std::string topology_, weights_, keras_file_;
  std::vector<distributed::LayerSpec> layers_;
  distributed::JobParams params_;
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
