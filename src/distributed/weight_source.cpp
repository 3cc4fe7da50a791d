#include "distributed/weight_source.hpp"

#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "accel/shape_zoo.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/result_reader.hpp"

namespace rapidnn::distributed {

namespace {
constexpr std::uint64_t kBlock = 4096;
}

SyntheticWeights::SyntheticWeights(std::vector<LayerSpec> layers, std::uint64_t seed)
    : layers_(std::move(layers)), seed_(seed) {}

double SyntheticWeights::laplace_scale(const LayerSpec& layer) { return 1.0 / std::sqrt(static_cast<double>(layer.fan_in)); }

std::vector<float> SyntheticWeights::rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const {
  RAPIDNN_ASSERT(layer >= 0 && static_cast<std::size_t>(layer) < layers_.size());
  const LayerSpec& s = layers_[static_cast<std::size_t>(layer)];
  RAPIDNN_ASSERT(row_begin <= row_end && row_end <= s.fan_in);
  const std::uint64_t e0 = row_begin * s.outputs, e1 = row_end * s.outputs;
  std::vector<float> out(e1 - e0);
  const double b = laplace_scale(s);
  const std::uint64_t stream = static_cast<std::uint64_t>(layer + 1) << 40;
  // Blocks are independent streams: generated in parallel, the values do not depend on it.
  const std::uint64_t first = e0 / kBlock, last = (e1 + kBlock - 1) / kBlock;
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(first, last, 16), [&](const auto& r) {
    for (std::uint64_t blk = r.begin(); blk != r.end(); ++blk) {
      CounterRng rng(seed_, RngDomain::kSyntheticData, stream | blk);
      const std::uint64_t start = blk * kBlock;
      for (std::uint64_t e = start; e < start + kBlock && e < e1; ++e) {
        const double v = rng.laplace32(b);
        if (e >= e0) out[e - e0] = static_cast<float>(v);
      }
    }
  });
  return out;
}

std::string SyntheticWeights::describe() const {
  return fmt::format("synthetic: Laplace(0, 1/sqrt(fan_in)) per layer, CounterRng seed {}", seed_);
}

KerasWeights::KerasWeights(const std::filesystem::path& path, std::vector<LayerSpec> layers)
    : file_(path), layers_(std::move(layers)) {
  const auto kernels = file_.kernel_layers();
  if (kernels.size() != layers_.size()) {
    std::string ours, theirs;
    for (const auto& l : layers_) ours += (ours.empty() ? "" : ", ") + l.name;
    for (const auto& l : kernels) theirs += (theirs.empty() ? "" : ", ") + l;
    throw IoError(fmt::format("{}: {} layers with a kernel ({}) but the topology has {} weight layers ({})",
                              path.string(), kernels.size(), theirs, layers_.size(), ours));
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const LayerSpec& s = layers_[i];
    const std::string kname = file_.find_weight(kernels[i], "kernel:0");
    const auto dims = file_.shape(kernels[i], kname);
    bool ok;
    std::string expected;
    if (s.conv) {
      ok = dims.size() == 4 && dims[3] == s.outputs && dims[0] * dims[1] * dims[2] == s.fan_in;
      expected = fmt::format("(kh, kw, in, {}) with kh*kw*in = {}", s.outputs, s.fan_in);
    } else {
      ok = dims.size() == 2 && dims[0] == s.fan_in && dims[1] == s.outputs;
      expected = io::shape_string({s.fan_in, s.outputs});
    }
    if (!ok)
      throw IoError(fmt::format("{}: layer '{}' (topology layer '{}'): kernel shape {} does not match the "
                                "topology's {}",
                                path.string(), kernels[i], s.name, io::shape_string(dims), expected));
    keras_layers_.push_back(kernels[i]);
    kernel_names_.push_back(kname);
  }
}

std::vector<float> KerasWeights::rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const {
  const auto l = static_cast<std::size_t>(layer);
  return file_.read_rows(keras_layers_[l], kernel_names_[l], row_begin, row_end);
}

std::string KerasWeights::describe() const { return fmt::format("keras: {}", file_.path().string()); }

ModelFileWeights::ModelFileWeights(const std::filesystem::path& path, const std::string& group,
                                   std::vector<LayerSpec> layers)
    : path_(path), group_(group), layers_(std::move(layers)) {
  const io::ResultReader in(path);
  std::vector<std::string> weights;
  for (const auto& t : in.attr_strings(group, "tensor_names"))
    if (t.ends_with("/weights")) weights.push_back(t);
  if (weights.size() != layers_.size()) {
    std::string ours, theirs;
    for (const auto& l : layers_) ours += (ours.empty() ? "" : ", ") + l.name;
    for (const auto& l : weights) theirs += (theirs.empty() ? "" : ", ") + l;
    throw IoError(fmt::format("{}: group '{}' has {} weight tensors ({}) but the topology has {} weight layers ({})",
                              path.string(), group, weights.size(), theirs, layers_.size(), ours));
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const LayerSpec& s = layers_[i];
    const auto dims = in.dims(group + "/tensors/" + weights[i]);
    bool ok;
    std::string expected;
    if (s.conv) {
      ok = dims.size() == 4 && dims[0] == s.outputs && dims[1] * dims[2] * dims[3] == s.fan_in;
      expected = fmt::format("({}, in, kh, kw) with in*kh*kw = {}", s.outputs, s.fan_in);
    } else {
      ok = dims.size() == 2 && dims[0] == s.outputs && dims[1] == s.fan_in;
      expected = io::shape_string({s.outputs, s.fan_in});
    }
    if (!ok)
      throw IoError(fmt::format("{}: tensor '{}' (topology layer '{}'): shape {} does not match the topology's {}",
                                path.string(), weights[i], s.name, io::shape_string(dims), expected));
  }
  tensors_ = std::move(weights);
}

std::vector<float> ModelFileWeights::rows(int layer, std::uint64_t row_begin, std::uint64_t row_end) const {
  const LayerSpec& s = layers_[static_cast<std::size_t>(layer)];
  const io::ResultReader in(path_);
  const auto stored = in.read<float>(group_ + "/tensors/" + tensors_[static_cast<std::size_t>(layer)]);  // out x fan_in
  std::vector<float> out((row_end - row_begin) * s.outputs);
  for (std::uint64_t r = row_begin; r < row_end; ++r)
    for (std::uint64_t o = 0; o < s.outputs; ++o) out[(r - row_begin) * s.outputs + o] = stored[o * s.fan_in + r];
  return out;
}

std::string ModelFileWeights::describe() const {
  return fmt::format("rapidnn model file: {} group {}", path_.string(), group_);
}

std::vector<LayerSpec> topology_layers(const std::string& topology) {
  const accel::NetworkShape net = accel::zoo_shape(topology);
  std::vector<LayerSpec> out;
  for (const auto& l : net.layers) {
    if (l.weights <= 0) continue;
    if (l.kind != accel::LayerKind::Dense && l.kind != accel::LayerKind::Conv) continue;
    LayerSpec s;
    s.name = l.name;
    s.conv = l.kind == accel::LayerKind::Conv;
    s.fan_in = static_cast<std::uint64_t>(l.fan_in);
    s.outputs = static_cast<std::uint64_t>(l.weights / l.fan_in);
    RAPIDNN_ASSERT(s.size() == static_cast<std::uint64_t>(l.weights));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace rapidnn::distributed
