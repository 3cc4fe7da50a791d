#include "common/composed_io.hpp"

#include "core/error.hpp"

namespace rapidnn::experiments {

using composer::ComposedModel;

RecordSet composed_records(const ComposedModel& model) {
  RecordSet set;
  using U = std::uint64_t;
  set.add("stage_count", {1}, std::vector<std::int64_t>{static_cast<std::int64_t>(model.stages().size())});
  set.add("activation_count", {1}, std::vector<std::int64_t>{static_cast<std::int64_t>(model.activations().size())});
  for (std::size_t i = 0; i < model.stages().size(); ++i) {
    const auto& s = model.stages()[i];
    const std::string g = "stage_" + std::to_string(i) + "/";
    set.add(g + "meta", {7}, std::vector<std::int64_t>{s.node, s.conv, s.w, s.u, s.groups, s.out, s.fan_in});
    set.add(g + "input_centroids", {U(s.u)}, s.input_centroids);
    set.add(g + "weight_centroids", {U(s.groups), U(s.w)}, s.weight_centroids);
    set.add(g + "weight_codes", {U(s.out), U(s.fan_in)}, s.weight_codes);
    set.add(g + "products", {U(s.groups), U(s.w), U(s.u)}, s.products);
    set.add(g + "bias", {U(s.out)}, s.bias);
  }
  for (std::size_t i = 0; i < model.activations().size(); ++i) {
    const auto& a = model.activations()[i];
    const std::string g = "activation_" + std::to_string(i) + "/";
    set.add(g + "meta", {3},
            std::vector<std::int64_t>{a.node, static_cast<std::int64_t>(a.function), a.table.rows()});
    if (!a.exact()) {
      set.add(g + "y", {U(a.table.rows())}, a.table.y());
      set.add(g + "z", {U(a.table.rows())}, a.table.z());
    }
  }
  return set;
}

void add_codebook_records(RecordSet& set, const nn::Model& model, const composer::LayerCodebooks& cb) {
  using U = std::uint64_t;
  for (std::size_t s = 0; s < cb.compute_nodes.size(); ++s) {
    const std::string layer = model.layer(cb.compute_nodes[s]).name() + "/";
    const auto& groups = cb.weights[s];
    for (int k : groups.front().sizes) {
      std::vector<float> c;
      std::vector<std::int64_t> n;
      std::vector<double> wt, wf;
      for (const auto& f : groups) {
        c.insert(c.end(), f.at(k).begin(), f.at(k).end());
        for (auto v : f.counts_at(k)) n.push_back(static_cast<std::int64_t>(v));
        wt.push_back(f.wcss_tree_at(k));
        wf.push_back(f.wcss_flat_at(k));
      }
      const std::string g = layer + "weight_codebook/size_" + std::to_string(k) + "/";
      set.add(g + "centroids", {U(groups.size()), U(k)}, c);
      set.add(g + "counts", {U(groups.size()), U(k)}, n);
      set.add(g + "wcss_tree", {U(groups.size())}, wt);
      set.add(g + "wcss_flat", {U(groups.size())}, wf);
    }
    const auto& in = cb.inputs[s];
    for (int k : in.sizes) {
      const std::string g = layer + "input_codebook/size_" + std::to_string(k) + "/";
      std::vector<std::int64_t> n;
      for (auto v : in.counts_at(k)) n.push_back(static_cast<std::int64_t>(v));
      set.add(g + "centroids", {U(k)}, in.at(k));
      set.add(g + "counts", {U(k)}, n);
      set.add(g + "wcss_tree", {1}, std::vector<double>{in.wcss_tree_at(k)});
      set.add(g + "wcss_flat", {1}, std::vector<double>{in.wcss_flat_at(k)});
    }
  }
  for (std::size_t a = 0; a < cb.activation_nodes.size(); ++a)
    set.add(model.layer(cb.activation_nodes[a]).name() + "/clip_domain", {2},
            std::vector<float>{cb.clip[a].first, cb.clip[a].second});
}

namespace {
template <class T>
std::vector<T> read_sized(const io::ResultReader& in, const std::string& path, std::size_t expected) {
  RAPIDNN_THROW_IF_NOT(in.exists(path), IoError, "{}: composed model dataset {} is missing", in.path().string(), path);
  auto v = in.read<T>(path);
  RAPIDNN_THROW_IF_NOT(v.size() == expected, IoError, "{}: {} has {} values, expected {}", in.path().string(), path,
                       v.size(), expected);
  return v;
}
}  // namespace

ComposedModel read_composed(const io::ResultReader& in, const std::string& group, const nn::Model& structure) {
  const auto stages = read_sized<std::int64_t>(in, group + "/stage_count", 1)[0];
  const auto acts = read_sized<std::int64_t>(in, group + "/activation_count", 1)[0];
  std::vector<composer::ComputeStage> st;
  for (std::int64_t i = 0; i < stages; ++i) {
    const std::string g = group + "/stage_" + std::to_string(i) + "/";
    const auto meta = read_sized<std::int64_t>(in, g + "meta", 7);
    composer::ComputeStage s;
    s.node = static_cast<int>(meta[0]);
    s.conv = meta[1] != 0;
    s.w = static_cast<int>(meta[2]);
    s.u = static_cast<int>(meta[3]);
    s.groups = static_cast<int>(meta[4]);
    s.out = static_cast<int>(meta[5]);
    s.fan_in = static_cast<int>(meta[6]);
    RAPIDNN_THROW_IF_NOT(s.node > 0 && s.node < structure.node_count(), IoError, "{}: {}meta names node {}",
                         in.path().string(), g, s.node);
    s.name = structure.layer(s.node).name();
    const auto W = static_cast<std::size_t>(s.w), Uu = static_cast<std::size_t>(s.u),
               G = static_cast<std::size_t>(s.groups), O = static_cast<std::size_t>(s.out),
               F = static_cast<std::size_t>(s.fan_in);
    s.input_centroids = read_sized<float>(in, g + "input_centroids", Uu);
    s.weight_centroids = read_sized<float>(in, g + "weight_centroids", G * W);
    s.weight_codes = read_sized<std::uint8_t>(in, g + "weight_codes", O * F);
    s.products = read_sized<float>(in, g + "products", G * W * Uu);
    s.bias = read_sized<float>(in, g + "bias", O);
    st.push_back(std::move(s));
  }
  std::vector<composer::ActivationStage> at;
  for (std::int64_t i = 0; i < acts; ++i) {
    const std::string g = group + "/activation_" + std::to_string(i) + "/";
    const auto meta = read_sized<std::int64_t>(in, g + "meta", 3);
    composer::ActivationStage a;
    a.node = static_cast<int>(meta[0]);
    RAPIDNN_THROW_IF_NOT(a.node > 0 && a.node < structure.node_count(), IoError, "{}: {}meta names node {}",
                         in.path().string(), g, a.node);
    a.name = structure.layer(a.node).name();
    a.function = static_cast<nn::Activation>(meta[1]);
    if (meta[2] > 0) {
      const auto rows = static_cast<std::size_t>(meta[2]);
      a.table = composer::ActivationTable(a.function, read_sized<float>(in, g + "y", rows),
                                          read_sized<float>(in, g + "z", rows));
    }
    at.push_back(std::move(a));
  }
  return ComposedModel(structure, std::move(st), std::move(at));
}

}  // namespace rapidnn::experiments
