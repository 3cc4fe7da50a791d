#include "distributed/activation_samples.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "par/coordinated.hpp"
#include "par/partition.hpp"

namespace rapidnn::distributed {

namespace {

/// splitmix64 finaliser: mixes (node, image, element) into one 64-bit item index.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Keyed {
  std::uint64_t key;
  float value;
};

/// Candidates of one layer on this rank: everything whose key is below `cutoff`; trimmed to the
/// `keep` smallest keys whenever it doubles (the local bottom-k, a superset of this rank's share
/// of the global bottom-k).
struct Reservoir {
  std::uint64_t keep = 0;
  std::uint64_t cutoff = ~std::uint64_t{0};
  std::vector<Keyed> items;
  void offer(std::uint64_t key, float v) {
    if (key >= cutoff) return;
    items.push_back({key, v});
    if (items.size() >= 2 * keep) trim();
  }
  void trim() {
    if (items.size() <= keep) return;
    std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(keep), items.end(),
                     [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
    cutoff = items[keep].key;
    items.resize(keep);
  }
};

}  // namespace

ImageSource synthetic_images(std::uint64_t seed, std::int64_t pixels) {
  return [seed, pixels](std::uint64_t image) {
    CounterRng rng(seed, RngDomain::kSyntheticData, (std::uint64_t{1} << 62) + image);
    std::vector<float> v(static_cast<std::size_t>(pixels));
    for (auto& x : v) x = static_cast<float>(rng.normal());
    return v;
  };
}

std::vector<LayerSample> sample_activations(const par::Communicator& comm, nn::Model& model,
                                            const ImageSource& images, const ActivationSampleParams& params) {
  RAPIDNN_THROW_IF_NOT(params.reservoir >= 1 && params.batch >= 1, InvalidArgument,
                       "sample_activations: reservoir ({}) and batch ({}) must be >= 1", params.reservoir,
                       params.batch);
  const std::vector<int> nodes = model.compute_nodes();
  std::vector<int> slot(static_cast<std::size_t>(model.node_count()), -1);
  std::vector<Reservoir> res(nodes.size());
  std::vector<std::uint64_t> seen(nodes.size(), 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    slot[static_cast<std::size_t>(nodes[i])] = static_cast<int>(i);
    res[i].keep = params.reservoir;
  }
  // Whole global batches per rank: an image is always forwarded in the same batch, so its
  // activations do not depend on how the GEMM blocks a batch of a different size.
  const auto B = static_cast<std::uint64_t>(params.batch);
  const par::Range my_batches = par::block_range((params.images + B - 1) / B, comm.size(), comm.rank());
  const par::Range mine{my_batches.begin * B, std::min(params.images, my_batches.end * B)};
  const std::int64_t pixels = model.input_shape().size();
  par::coordinated(comm, [&] {
    std::vector<std::int64_t> ids;
    for (std::uint64_t b0 = mine.begin; b0 < mine.end; b0 += static_cast<std::uint64_t>(params.batch)) {
      const std::uint64_t b1 = std::min<std::uint64_t>(mine.end, b0 + static_cast<std::uint64_t>(params.batch));
      nn::Matrix x(static_cast<Eigen::Index>(b1 - b0), pixels);
      ids.clear();
      for (std::uint64_t i = b0; i < b1; ++i) {
        const auto px = images(i);
        RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(px.size()) == pixels, InvalidArgument,
                             "image {}: {} values, the model takes {}", i, px.size(), pixels);
        for (std::int64_t j = 0; j < pixels; ++j) x(static_cast<Eigen::Index>(i - b0), j) = px[static_cast<std::size_t>(j)];
        ids.push_back(static_cast<std::int64_t>(i));
      }
      nn::PassContext ctx = nn::PassContext::inference();
      ctx.sample_ids = ids;
      nn::ForwardHooks hooks;
      hooks.before_compute = [&](int node, const nn::Layer&, nn::Matrix& in) {
        const int s = slot[static_cast<std::size_t>(node)];
        if (s < 0) return;
        Reservoir& r = res[static_cast<std::size_t>(s)];
        seen[static_cast<std::size_t>(s)] += static_cast<std::uint64_t>(in.size());
        for (Eigen::Index row = 0; row < in.rows(); ++row) {
          const std::uint64_t image = b0 + static_cast<std::uint64_t>(row);
          const std::uint64_t base = mix(mix(static_cast<std::uint64_t>(node)) ^ image);
          for (Eigen::Index j = 0; j < in.cols(); ++j) {
            const std::uint64_t key =
                CounterRng(params.seed, RngDomain::kSampling, mix(base ^ static_cast<std::uint64_t>(j))).next_u64();
            r.offer(key, in(row, j));
          }
        }
      };
      model.forward(x, ctx, hooks);
    }
  });
  // Global bottom-k per layer: the smallest key t with #(keys <= t) >= reservoir over all ranks.
  std::vector<LayerSample> out(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Reservoir& r = res[i];
    r.trim();
    out[i].node = nodes[i];
    out[i].name = model.layer(nodes[i]).name();
    out[i].seen = comm.sum(seen[i]);
    std::uint64_t lo = 0, hi = ~std::uint64_t{0};  // invariant: count(<= hi) >= min(reservoir, total)
    const std::uint64_t total = comm.sum<std::uint64_t>(r.items.size());
    const std::uint64_t want = std::min<std::uint64_t>(params.reservoir, total);
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      std::uint64_t c = 0;
      for (const auto& k : r.items) c += k.key <= mid ? 1 : 0;
      if (comm.sum(c) >= want) hi = mid; else lo = mid + 1;
    }
    for (const auto& k : r.items)
      if (k.key <= lo) out[i].values.push_back(k.value);
  }
  return out;
}

}  // namespace rapidnn::distributed
