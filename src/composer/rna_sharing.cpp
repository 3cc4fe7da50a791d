#include "composer/rna_sharing.hpp"

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"

namespace rapidnn::composer {

namespace {

void check_sharing(double sharing) {
  RAPIDNN_THROW_IF_NOT(sharing >= 0.0 && sharing <= kMaxTableSharing, InvalidArgument,
                       "table sharing fraction must be in [0, {}], got {}", kMaxTableSharing, sharing);
}

const nn::Matrix& weights_of(const nn::Model& model, int node) {
  return model.layer(node).kind() == nn::LayerKind::kDense ? model.dense_at(node).weights()
                                                            : model.conv2d_at(node).weights();
}

// Squared quantization error of `values` encoded with `enc`, in double.
double squared_error(std::span<const float> values, const NearestEncoder& enc) {
  double s = 0;
  for (float x : values) {
    const double d = static_cast<double>(x) - static_cast<double>(enc.decode(enc.encode(x)));
    s += d * d;
  }
  return s;
}

}  // namespace

int kept_tables(int groups, double sharing) {
  check_sharing(sharing);
  RAPIDNN_THROW_IF_NOT(groups >= 1, InvalidArgument, "a layer needs at least one table, got {}", groups);
  const double kept = std::ceil(static_cast<double>(groups) * (1.0 - sharing) - 1e-9);
  return std::max(1, static_cast<int>(kept));
}

std::vector<int> plan_table_sharing(std::span<const float> weights, int groups, std::span<const float> centroids,
                                    int w, double sharing) {
  const int m = groups - kept_tables(groups, sharing);
  RAPIDNN_THROW_IF_NOT(w >= 1 && centroids.size() == static_cast<std::size_t>(groups) * static_cast<std::size_t>(w) &&
                           !weights.empty() && weights.size() % static_cast<std::size_t>(groups) == 0,
                       InvalidArgument,
                       "table sharing: {} weights and {} centroids do not make {} groups of w = {} centroids", weights.size(),
                       centroids.size(), groups, w);
  std::vector<int> host(static_cast<std::size_t>(groups));
  for (int g = 0; g < groups; ++g) host[static_cast<std::size_t>(g)] = g;
  if (m == 0) return host;
  const auto G = static_cast<std::size_t>(groups), W = static_cast<std::size_t>(w);
  const std::size_t fan_in = weights.size() / G;
  std::vector<NearestEncoder> enc;
  for (std::size_t g = 0; g < G; ++g) enc.emplace_back(centroids.subspan(g * W, W));
  // penalty[i * G + j]: extra squared error of group i's weights with group j's codebook.
  std::vector<double> penalty(G * G, 0.0);
  for (std::size_t i = 0; i < G; ++i) {
    const auto wi = weights.subspan(i * fan_in, fan_in);
    const double own = squared_error(wi, enc[i]);
    for (std::size_t j = 0; j < G; ++j)
      if (j != i) penalty[i * G + j] = squared_error(wi, enc[j]) - own;
  }
  std::vector<char> is_sharer(G, 0), is_host(G, 0);
  for (int step = 0; step < m; ++step) {
    double best = std::numeric_limits<double>::infinity();
    std::size_t bi = G, bj = G;
    for (std::size_t i = 0; i < G; ++i) {
      if (is_sharer[i] || is_host[i]) continue;
      for (std::size_t j = 0; j < G; ++j) {
        if (j == i || is_sharer[j]) continue;
        if (penalty[i * G + j] < best) {
          best = penalty[i * G + j];
          bi = i;
          bj = j;
        }
      }
    }
    RAPIDNN_ASSERT(bi < G && bj < G);  // m <= G/2 leaves a free pair (header)
    is_sharer[bi] = 1;
    is_host[bj] = 1;
    host[bi] = static_cast<int>(bj);
  }
  return host;
}

ComposedModel share_tables(const nn::Model& model, const ComposedModel& composed, double sharing) {
  check_sharing(sharing);
  std::vector<ComputeStage> stages = composed.stages();
  for (auto& st : stages) {
    const nn::Matrix& wts = weights_of(model, st.node);
    RAPIDNN_THROW_IF_NOT(wts.rows() == st.out && wts.cols() == st.fan_in, InvalidArgument,
                         "stage '{}': the model's weights are {} x {}, the composed stage {} x {}", st.name, wts.rows(),
                         wts.cols(), st.out, st.fan_in);
    const std::span<const float> values(wts.data(), static_cast<std::size_t>(wts.size()));
    const auto host = plan_table_sharing(values, st.groups, st.weight_centroids, st.w, sharing);
    const auto W = static_cast<std::size_t>(st.w), U = static_cast<std::size_t>(st.u);
    const auto F = static_cast<std::size_t>(st.fan_in);
    for (std::size_t g = 0; g < host.size(); ++g) {
      const auto h = static_cast<std::size_t>(host[g]);
      if (h == g) continue;
      // Only conv layers have several groups: group g is output channel g (one weight row).
      std::copy_n(st.weight_centroids.begin() + static_cast<std::ptrdiff_t>(h * W), W,
                  st.weight_centroids.begin() + static_cast<std::ptrdiff_t>(g * W));
      std::copy_n(st.products.begin() + static_cast<std::ptrdiff_t>(h * W * U), W * U,
                  st.products.begin() + static_cast<std::ptrdiff_t>(g * W * U));
      const NearestEncoder enc(std::span<const float>(st.weight_centroids).subspan(g * W, W));
      for (std::size_t k = 0; k < F; ++k) st.weight_codes[g * F + k] = enc.encode(values[g * F + k]);
    }
  }
  return ComposedModel(model, std::move(stages), composed.activations());
}

int shared_table_count(const ComposedModel& composed, double sharing) {
  int n = 0;
  for (const auto& st : composed.stages()) n += st.groups - kept_tables(st.groups, sharing);
  return n;
}

}  // namespace rapidnn::composer
