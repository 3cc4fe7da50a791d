// Experiment `accelerator` (paper Sec 4, 5.4-5.6; Table 1, 4; Figures 11-16): costs the Table 2
// networks on the RAPIDNN model (src/accel) for every configured (w, u, q, chips) and RNA
// sharing fraction, next to a GTX 1080 roofline, this machine's measured CPU time and the
// published accelerators. The accuracy loss Δe is joined from a composer result file when one
// is given. Configurations are split over ranks in contiguous blocks; each rank costs its share
// and the rows are gathered in configuration order, so the file is the same on any rank count.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "accel/baselines.hpp"
#include "accel/cost_model.hpp"
#include "accel/nn_shape.hpp"
#include "accel/shape_zoo.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/rng.hpp"
#include "experiment.hpp"
#include "io/result_reader.hpp"
#include "nn/zoo.hpp"
#include "par/coordinated.hpp"
#include "par/partition.hpp"

namespace rapidnn::experiments {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One costed configuration. The columns are written as 1-D datasets /accelerator/configs/<name>.
const std::vector<std::string>& column_names() {
  static const std::vector<std::string> names = {
      "model_index", "study", "w", "u", "q", "sharing", "chips",
      "latency_s", "throughput_per_s", "energy_j", "edp_js", "power_w",
      "chip_area_mm2", "used_area_mm2", "memory_bytes", "ops", "rnas_allocated", "tiles_used",
      "gops_per_s", "gops_per_s_per_mm2", "gops_per_s_per_mm2_chip", "gops_per_s_per_w",
      "energy_weighted_accumulation_j", "energy_activation_j", "energy_encoding_pooling_j", "energy_other_j",
      "time_weighted_accumulation_s", "time_activation_s", "time_encoding_pooling_s", "time_other_s",
      "area_crossbar_mm2", "area_counter_mm2", "area_activation_am_mm2", "area_encoder_am_mm2",
      "area_rna_other_mm2", "area_buffer_mm2",
      "gpu_time_s", "gpu_energy_j", "speedup_vs_gpu", "energy_improvement_vs_gpu", "delta_e",
      "delta_e_q", "chips_used", "inter_tile_bits", "inter_chip_bits"};
  return names;
}

enum Study { kGrid = 0, kSharing = 1 };

struct Config {
  std::size_t model;
  Study study;
  accel::CodebookSizes cb;
  double sharing;
  std::int64_t chips;
};

// How the nn zoo builds the network behind an accel zoo name (for the CPU timing and for
// shape_source = "nn").
struct NnSpec {
  std::string topology;
  nn::Shape input;
  int classes;
};
NnSpec nn_spec(const std::string& model) {
  if (model == "mnist_mlp") return {"mlp", {1, 28, 28}, 10};
  if (model == "isolet_mlp") return {"mlp", {617, 1, 1}, 26};
  if (model == "har_mlp") return {"mlp", {561, 1, 1}, 19};
  if (model == "cifar10_cnn") return {"cifar_cnn", {3, 32, 32}, 10};
  if (model == "cifar100_cnn") return {"cifar_cnn", {3, 32, 32}, 100};
  return {model, nn::zoo::default_input(model), 1000};
}

// Whether a composer run's paper_dataset attribute names the Table 2 row of an accel zoo model.
bool same_table2_row(const std::string& paper_dataset, const std::string& model) {
  std::string key;
  for (char ch : paper_dataset)
    if (std::isalnum(static_cast<unsigned char>(ch))) key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::map<std::string, std::vector<std::string>> rows = {
      {"mnist_mlp", {"mnist"}},         {"isolet_mlp", {"isolet"}},   {"har_mlp", {"har"}},
      {"cifar10_cnn", {"cifar10"}},     {"cifar100_cnn", {"cifar100"}}, {"alexnet", {"alexnet"}},
      {"vgg16", {"vgg16", "vggnet"}},   {"googlenet", {"googlenet"}}, {"resnet152", {"resnet152", "resnet"}}};
  const auto it = rows.find(model);
  return !key.empty() && it != rows.end() && std::find(it->second.begin(), it->second.end(), key) != it->second.end();
}

class Accelerator final : public Experiment {
 public:
  void configure(ConfigNode& root, const std::filesystem::path& config_dir) override {
    auto t = root.child("accelerator");
    models_ = t.get_string_list("models", accel::zoo_names());
    for (const auto& m : models_) {
      const auto& known = accel::zoo_names();
      if (std::find(known.begin(), known.end(), m) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        t.fail("models", fmt::format("unknown model \"{}\"; known: {}", m, list));
      }
    }
    if (models_.empty()) t.fail("models", "at least one model is required");
    shape_source_ = t.get_choice("shape_source", "accel", {"accel", "nn"});
    const auto ws = t.get_int_list("w", {4, 16, 64}, 1, 4096);
    const auto us = t.get_int_list("u", {4, 16, 64}, 1, 4096);
    const auto qs = t.get_int_list("q", {64}, 2, 4096);
    const auto chips = t.get_int_list("chips", {1, 8}, 1, 4096);
    headline_.w = t.get_int("headline_w", 64, 1, 4096);  // Sec 5.5: near-zero loss on ImageNet
    headline_.u = t.get_int("headline_u", 64, 1, 4096);
    headline_.q = t.get_int("headline_q", 64, 2, 4096);
    sharing_ = t.get_double_list("sharing", {0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30}, 0.0, 0.99);
    sharing_models_ = t.get_string_list("sharing_models", {"alexnet", "vgg16", "googlenet", "resnet152"});
    const auto sharing_codebooks = t.get_int_list("sharing_codebooks", {64, 64, 64, 128}, 1, 4096);
    if (sharing_codebooks.size() != sharing_models_.size())
      t.fail("sharing_codebooks", fmt::format("needs one codebook size per sharing model ({} given, {} models)",
                                              sharing_codebooks.size(), sharing_models_.size()));
    composer_path_ = t.get_string("composer_results", "");
    if (!composer_path_.empty()) composer_path_ = resolve_path(config_dir, composer_path_).string();
    composer_names_ = t.get_string_list("composer_names", {});
    if (!composer_names_.empty() && composer_names_.size() != models_.size())
      t.fail("composer_names", fmt::format("needs one name per model ({} given, {} models); \"\" keeps the model name",
                                           composer_names_.size(), models_.size()));
    cpu_models_ = t.get_string_list("cpu_models", {"mnist_mlp", "isolet_mlp", "har_mlp", "cifar10_cnn", "cifar100_cnn"});
    cpu_repeats_ = t.get_int("cpu_repeats", 5, 1, 1000);
    auto hw_node = t.child("hardware");
    hw_ = accel::load_hardware_params(hw_node);
    auto gpu_node = t.child("gpu");
    gpu_ = accel::load_gpu_params(gpu_node);
    auto pub_node = t.child("published");
    published_ = accel::load_published_accelerators(pub_node);

    for (std::size_t m = 0; m < models_.size(); ++m)
      for (auto w : ws)
        for (auto u : us)
          for (auto q : qs)
            for (auto c : chips) configs_.push_back({m, kGrid, {w, u, q}, 0.0, c});
    for (std::size_t i = 0; i < sharing_models_.size(); ++i) {
      const auto it = std::find(models_.begin(), models_.end(), sharing_models_[i]);
      if (it == models_.end())
        t.fail("sharing_models", fmt::format("\"{}\" is not in 'models'", sharing_models_[i]));
      const std::int64_t k = sharing_codebooks[i];
      for (double s : sharing_)
        configs_.push_back({static_cast<std::size_t>(it - models_.begin()), kSharing, {k, k, headline_.q}, s, 1});
    }
  }

  void run(RunContext& ctx) override {
    const auto& comm = ctx.comm;
    std::vector<accel::NetworkShape> shapes;
    std::vector<accel::GpuCost> gpu;
    std::vector<double> cpu_s(models_.size(), kNaN);
    par::coordinated(comm, [&] {
      for (const auto& m : models_) {
        shapes.push_back(shape_source_ == "nn" ? build_nn_shape(m) : accel::zoo_shape(m));
        gpu.push_back(accel::gpu_cost(shapes.back(), gpu_));
      }
    });
    const DeltaE delta_e = load_delta_e();

    // CPU sanity point: rank 0 times the nn forward pass (batch 1), others wait for the numbers.
    par::coordinated(comm, [&] {
      if (comm.is_root()) measure_cpu(cpu_s);
    });
    comm.bcast(std::span<double>(cpu_s), 0);

    // Cost this rank's block of configurations.
    const std::size_t ncol = column_names().size();
    const par::Range mine = par::block_range(configs_.size(), comm.size(), comm.rank());
    std::vector<double> local;
    local.reserve(mine.size() * ncol);
    Progress progress("accelerator configurations", mine.size(), comm.is_root());
    par::coordinated(comm, [&] {
      for (std::uint64_t i = mine.begin; i < mine.end; ++i) {
        const Config& c = configs_[i];
        const accel::CostResult r = accel::evaluate(shapes[c.model], c.cb, {c.sharing, c.chips}, hw_);
        const accel::GpuCost& g = gpu[c.model];
        double de_q = kNaN;
        const double de = c.study == kGrid ? delta_e.lookup(c.model, c.cb, de_q)
                                           : delta_e.lookup_sharing(c.model, c.cb, c.sharing, de_q);
        const std::vector<double> row = {
            static_cast<double>(c.model), static_cast<double>(c.study), static_cast<double>(c.cb.w),
            static_cast<double>(c.cb.u), static_cast<double>(c.cb.q), c.sharing, static_cast<double>(c.chips),
            r.latency_s, r.throughput_per_s, r.energy_j, r.edp_js, r.power_w,
            r.chip_area_mm2, r.used_area_mm2, r.memory_bytes, static_cast<double>(r.ops),
            static_cast<double>(r.rnas_allocated), static_cast<double>(r.tiles_used),
            r.gops_per_s, r.gops_per_s_per_mm2, r.gops_per_s_per_mm2_chip, r.gops_per_s_per_w,
            r.energy_by_block_j.weighted_accumulation, r.energy_by_block_j.activation,
            r.energy_by_block_j.encoding_pooling, r.energy_by_block_j.other,
            r.time_by_block_s.weighted_accumulation, r.time_by_block_s.activation,
            r.time_by_block_s.encoding_pooling, r.time_by_block_s.other,
            r.area_by_block_mm2.crossbar, r.area_by_block_mm2.counter, r.area_by_block_mm2.activation_am,
            r.area_by_block_mm2.encoder_am, r.area_by_block_mm2.rna_other, r.area_by_block_mm2.buffer,
            g.time_s, g.energy_j, g.time_s * r.throughput_per_s, g.energy_j / r.energy_j, de,
            de_q, static_cast<double>(r.chips_used), r.inter_tile_bits, r.inter_chip_bits};
        RAPIDNN_ASSERT(row.size() == ncol);
        local.insert(local.end(), row.begin(), row.end());
        progress.advance();
      }
    });
    progress.finish();
    const std::vector<double> all = comm.allgatherv(std::span<const double>(local));
    RAPIDNN_ASSERT(all.size() == configs_.size() * ncol);
    rows_ = all;

    write_results(ctx, shapes, gpu, cpu_s, delta_e);
  }

  std::string report() const override {
    const std::size_t ncol = column_names().size();
    auto col = [&](const char* name) {
      return static_cast<std::size_t>(std::find(column_names().begin(), column_names().end(), name) -
                                      column_names().begin());
    };
    auto one_chip_grid = [&](const double* row) { return row[col("study")] == kGrid && row[col("chips")] == 1; };
    auto at_headline = [&](const double* row) {
      return row[col("w")] == headline_.w && row[col("u")] == headline_.u && row[col("q")] == headline_.q;
    };
    // The headline sizes when the grid has them, else every one-chip grid row.
    bool have_headline = false;
    for (std::size_t r = 0; r * ncol < rows_.size(); ++r)
      have_headline |= one_chip_grid(&rows_[r * ncol]) && at_headline(&rows_[r * ncol]);
    std::string s = "RAPIDNN (1 chip) vs GTX 1080 roofline\n";
    s += fmt::format("{:<13} {:>4} {:>4} {:>11} {:>11} {:>11} {:>9} {:>9} {:>11} {:>10}\n", "model", "w", "u",
                     "latency s", "inf/s", "energy J", "speedup", "energy x", "GOPS/s/mm2", "GOPS/s/W");
    for (std::size_t r = 0; r * ncol < rows_.size(); ++r) {
      const double* row = &rows_[r * ncol];
      if (!one_chip_grid(row) || (have_headline && !at_headline(row))) continue;
      s += fmt::format("{:<13} {:>4} {:>4} {:>11.3e} {:>11.3e} {:>11.3e} {:>9.1f} {:>9.1f} {:>11.1f} {:>10.1f}\n",
                       models_[static_cast<std::size_t>(row[col("model_index")])], row[col("w")], row[col("u")],
                       row[col("latency_s")], row[col("throughput_per_s")], row[col("energy_j")],
                       row[col("speedup_vs_gpu")], row[col("energy_improvement_vs_gpu")],
                       row[col("gops_per_s_per_mm2_chip")], row[col("gops_per_s_per_w")]);
    }
    return s;
  }

 private:
  // Δe from the composer's result file: /composer/<name>/sweep/{w,u,q,delta_e} and, for RNA
  // sharing, /composer/<name>/sharing/{sharing,delta_e}. Missing pieces give NaN and a note.
  struct DeltaE {
    struct Sweep {
      std::vector<double> w, u, q, delta_e;
      std::vector<double> sharing, sharing_delta_e;
      double sharing_w = kNaN, sharing_u = kNaN, sharing_q = kNaN;  // the composed point shared
    };
    std::vector<Sweep> per_model;
    std::string status;  // what was found, for the file
    // Δe at (w, u, q): the composer point with the same w, u and q; else the point with the
    // same w, u and q = 0 (activations computed exactly: the comparator of Sec 5.3, which a
    // q-row AM reproduces for ReLU). `used_q` receives the composer q taken (NaN: none).
    double lookup(std::size_t model, const accel::CodebookSizes& cb, double& used_q) const {
      used_q = kNaN;
      if (model >= per_model.size()) return kNaN;
      const Sweep& s = per_model[model];
      for (double want_q : {static_cast<double>(cb.q), 0.0}) {
        for (std::size_t i = 0; i < s.delta_e.size(); ++i) {
          const double q = s.q.empty() ? 0.0 : s.q[i];
          if (s.w[i] == static_cast<double>(cb.w) && s.u[i] == static_cast<double>(cb.u) && q == want_q) {
            used_q = q;
            return s.delta_e[i];
          }
        }
      }
      return kNaN;
    }
    // Δe with shared tables: only when the composer shared a point with this row's w and u.
    double lookup_sharing(std::size_t model, const accel::CodebookSizes& cb, double sharing, double& used_q) const {
      used_q = kNaN;
      if (model >= per_model.size()) return kNaN;
      const Sweep& s = per_model[model];
      if (s.sharing_w != static_cast<double>(cb.w) || s.sharing_u != static_cast<double>(cb.u)) return kNaN;
      for (std::size_t i = 0; i < s.sharing_delta_e.size(); ++i)
        if (std::abs(s.sharing[i] - sharing) < 1e-9) {
          used_q = s.sharing_q;
          return s.sharing_delta_e[i];
        }
      return kNaN;
    }
  };

  DeltaE load_delta_e() const {
    DeltaE d;
    if (composer_path_.empty()) {
      d.status = "absent: no composer_results given";
      return d;
    }
    if (!std::filesystem::exists(composer_path_)) {
      d.status = "absent: composer_results file " + composer_path_ + " does not exist";
      return d;
    }
    io::ResultReader in(composer_path_);
    d.per_model.resize(models_.size());
    std::vector<std::string> found, missing;
    // Composer groups and the Table 2 row each stands in for (attribute paper_dataset).
    struct Group {
      std::string name, paper_dataset, topology;
    };
    std::vector<Group> groups;
    if (in.exists("/composer")) {
      for (const auto& name : in.list("/composer")) {
        const std::string g = "/composer/" + name;
        groups.push_back({name, in.has_attr(g, "paper_dataset") ? in.attr_string(g, "paper_dataset") : "",
                          in.has_attr(g, "topology") ? in.attr_string(g, "topology") : ""});
      }
    }
    for (std::size_t m = 0; m < models_.size(); ++m) {
      // An explicit composer_names entry wins; else a group named like the model; else a group
      // whose paper_dataset is this model's Table 2 row (e.g. a Fashion-MNIST run for MNIST),
      // preferring one with the row's own topology (the ReLU MLP over the sigmoid variant), then
      // the first in name order.
      std::string name = (composer_names_.empty() || composer_names_[m].empty()) ? models_[m] : composer_names_[m];
      if (composer_names_.empty() || composer_names_[m].empty()) {
        const bool direct = std::any_of(groups.begin(), groups.end(), [&](const auto& gr) { return gr.name == name; });
        if (!direct) {
          const std::string row_topology = nn_spec(models_[m]).topology;
          const Group* pick = nullptr;
          for (const auto& gr : groups) {
            if (!same_table2_row(gr.paper_dataset, models_[m])) continue;
            if (pick == nullptr || (gr.topology == row_topology && pick->topology != row_topology)) pick = &gr;
          }
          if (pick != nullptr) name = pick->name;
        }
      }
      const std::string g = "/composer/" + name;
      auto& s = d.per_model[m];
      if (in.exists(g + "/sweep/delta_e")) {
        s.w = in.read<double>(g + "/sweep/w");
        s.u = in.read<double>(g + "/sweep/u");
        if (in.exists(g + "/sweep/q")) s.q = in.read<double>(g + "/sweep/q");
        s.delta_e = in.read<double>(g + "/sweep/delta_e");
        RAPIDNN_THROW_IF_NOT(s.w.size() == s.delta_e.size() && s.u.size() == s.delta_e.size() &&
                                 (s.q.empty() || s.q.size() == s.delta_e.size()),
                             IoError, "{}: {}/sweep: w ({}), u ({}), q ({}) and delta_e ({}) differ in length",
                             composer_path_, g, s.w.size(), s.u.size(), s.q.size(), s.delta_e.size());
        found.push_back(name == models_[m] ? name : models_[m] + " <- " + name);
      } else {
        missing.push_back(models_[m]);
      }
      if (in.exists(g + "/sharing/delta_e")) {
        s.sharing = in.read<double>(g + "/sharing/sharing");
        s.sharing_delta_e = in.read<double>(g + "/sharing/delta_e");
        if (in.has_attr(g + "/sharing", "w")) s.sharing_w = in.attr_double(g + "/sharing", "w");
        if (in.has_attr(g + "/sharing", "u")) s.sharing_u = in.attr_double(g + "/sharing", "u");
        if (in.has_attr(g + "/sharing", "q")) s.sharing_q = in.attr_double(g + "/sharing", "q");
        RAPIDNN_THROW_IF_NOT(s.sharing.size() == s.sharing_delta_e.size(), IoError,
                             "{}: {}/sharing: sharing ({}) and delta_e ({}) differ in length", composer_path_, g,
                             s.sharing.size(), s.sharing_delta_e.size());
      }
    }
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    d.status = fmt::format("{}: found for [{}]; absent for [{}]", composer_path_, join(found), join(missing));
    return d;
  }

  accel::NetworkShape build_nn_shape(const std::string& model) const {
    const NnSpec spec = nn_spec(model);
    return accel::shape_of(nn::zoo::build(spec.topology, spec.input, spec.classes, 1), model);
  }

  void measure_cpu(std::vector<double>& cpu_s) const {
    for (std::size_t m = 0; m < models_.size(); ++m) {
      if (std::find(cpu_models_.begin(), cpu_models_.end(), models_[m]) == cpu_models_.end()) continue;
      const NnSpec spec = nn_spec(models_[m]);
      nn::Model model = nn::zoo::build(spec.topology, spec.input, spec.classes, 1);
      nn::Matrix x(1, spec.input.size());
      CounterRng rng(1, RngDomain::kWeightInit, static_cast<std::uint64_t>(m));
      for (Eigen::Index j = 0; j < x.cols(); ++j) x(0, j) = static_cast<float>(rng.uniform());
      model.forward(x);  // warm-up
      std::vector<double> times;
      for (std::int64_t r = 0; r < cpu_repeats_; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        model.forward(x);
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(times.begin(), times.end());
      cpu_s[m] = times[times.size() / 2];
    }
  }

  void write_results(RunContext& ctx, const std::vector<accel::NetworkShape>& shapes,
                     const std::vector<accel::GpuCost>& gpu, const std::vector<double>& cpu_s,
                     const DeltaE& delta_e) {
    auto& out = ctx.out;
    const std::string g = "/accelerator";
    out.create_group(g);
    out.set_attr(g, "models", models_);
    out.set_attr(g, "shape_source", shape_source_);
    out.set_attr(g, "delta_e_source", delta_e.status);
    out.set_attr(g, "study_names", std::vector<std::string>{"grid", "sharing"});
    const std::vector<double> head = {static_cast<double>(headline_.w), static_cast<double>(headline_.u),
                                      static_cast<double>(headline_.q)};
    out.set_attr(g, "headline_w_u_q", std::span<const double>(head));

    // One dataset per column, rows in configuration order.
    const std::size_t ncol = column_names().size();
    const std::size_t nrow = configs_.size();
    out.create_group(g + "/configs");
    for (std::size_t c = 0; c < ncol; ++c) {
      std::vector<double> v(nrow);
      for (std::size_t r = 0; r < nrow; ++r) v[r] = rows_[r * ncol + c];
      out.write(g + "/configs/" + column_names()[c], v);
    }
    out.set_attr(g + "/configs", "units",
                 std::string("names carry units (_s, _j, _w, _mm2, _bytes, _per_s); study 0 = w/u/q/chips grid, "
                             "1 = RNA sharing (Table 4); delta_e NaN where no composed model exists, delta_e_q = the composer's q "
                             "whose Δe was taken (0 = exact activations)"));

    // Per-model facts: operations, GPU roofline, measured CPU time.
    std::vector<double> ops, macs, weights, neurons, gpu_t, gpu_e;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      ops.push_back(static_cast<double>(shapes[m].total_ops()));
      macs.push_back(static_cast<double>(shapes[m].total_macs()));
      weights.push_back(static_cast<double>(shapes[m].total_weights()));
      neurons.push_back(static_cast<double>(shapes[m].total_neurons()));
      gpu_t.push_back(gpu[m].time_s);
      gpu_e.push_back(gpu[m].energy_j);
    }
    out.create_group(g + "/models");
    out.write(g + "/models/ops", ops);
    out.write(g + "/models/macs", macs);
    out.write(g + "/models/weights", weights);
    out.write(g + "/models/neurons", neurons);
    out.write(g + "/models/gpu_time_s", gpu_t);
    out.write(g + "/models/gpu_energy_j", gpu_e);
    out.write(g + "/models/cpu_time_s", cpu_s);
    out.set_attr(g + "/models", "cpu_time_note",
                 std::string("median wall time of one nn forward pass (batch 1) on this machine's CPU; NaN = not "
                             "measured"));

    // Where the time goes, layer by layer, at the headline sizes on one chip.
    for (std::size_t m = 0; m < models_.size(); ++m) {
      const accel::CostResult r = accel::evaluate(shapes[m], headline_, {0.0, 1}, hw_);
      std::vector<double> neurons_l, fan_in_l, rnas_l, per_rna_l, stage_l, latency_l, interval_l, energy_l;
      std::vector<double> first_tile_l, last_tile_l, transfer_l, transfer_j_l;
      std::vector<std::string> names_l, kinds_l;
      for (std::size_t i = 0; i < r.layers.size(); ++i) {
        const auto& lc = r.layers[i];
        names_l.push_back(lc.name);
        kinds_l.push_back(accel::to_string(lc.kind));
        neurons_l.push_back(static_cast<double>(lc.neurons));
        fan_in_l.push_back(static_cast<double>(shapes[m].layers[i].fan_in));
        rnas_l.push_back(static_cast<double>(lc.rnas));
        per_rna_l.push_back(static_cast<double>(lc.neurons_per_rna));
        stage_l.push_back(static_cast<double>(lc.stage_cycles));
        latency_l.push_back(static_cast<double>(lc.cycles.latency()));
        interval_l.push_back(static_cast<double>(lc.cycles.initiation_interval()));
        energy_l.push_back(lc.energy_j);
        first_tile_l.push_back(static_cast<double>(lc.first_tile));
        last_tile_l.push_back(static_cast<double>(lc.last_tile));
        transfer_l.push_back(static_cast<double>(lc.transfer_in_cycles));
        transfer_j_l.push_back(lc.transfer_in_energy_j);
      }
      const std::string lg = g + "/layers/" + models_[m];
      out.create_group(lg);
      out.set_attr(lg, "names", names_l);
      out.set_attr(lg, "kinds", kinds_l);
      out.write(lg + "/neurons", neurons_l);
      out.write(lg + "/fan_in", fan_in_l);
      out.write(lg + "/rnas", rnas_l);
      out.write(lg + "/neurons_per_rna", per_rna_l);
      out.write(lg + "/stage_cycles", stage_l);
      out.write(lg + "/neuron_latency_cycles", latency_l);
      out.write(lg + "/neuron_interval_cycles", interval_l);
      out.write(lg + "/energy_j", energy_l);
      out.write(lg + "/first_tile", first_tile_l);
      out.write(lg + "/last_tile", last_tile_l);
      out.write(lg + "/transfer_in_cycles", transfer_l);
      out.write(lg + "/transfer_in_energy_j", transfer_j_l);
    }
    out.set_attr(g + "/layers", "note",
                 std::string("per layer at the headline w, u, q on one chip (concat layers hold no RNAs)"));

    // Published accelerators: time and energy per model at their own area.
    std::vector<std::string> names, sources;
    std::vector<double> ce, pe, area, t_own, e_own;
    for (const auto& a : published_) {
      names.push_back(a.name);
      sources.push_back(a.source);
      ce.push_back(a.gops_per_s_per_mm2);
      pe.push_back(a.gops_per_s_per_w);
      area.push_back(a.area_mm2);
    }
    for (std::size_t m = 0; m < models_.size(); ++m) {
      for (const auto& a : published_) {
        const accel::BaselineCost c = accel::published_cost(ops[m], a);
        t_own.push_back(c.time_s);
        e_own.push_back(c.energy_j);
      }
    }
    const std::string pg = g + "/published";
    out.create_group(pg);
    out.set_attr(pg, "names", names);
    out.set_attr(pg, "sources", sources);
    out.write(pg + "/gops_per_s_per_mm2", ce);
    out.write(pg + "/gops_per_s_per_w", pe);
    out.write(pg + "/area_mm2", area);
    out.write(pg + "/time_s", t_own, {models_.size(), published_.size()});
    out.write(pg + "/energy_j", e_own, {models_.size(), published_.size()});
    out.set_attr(pg, "model", std::string("t = ops / (CE x area), E = ops / PE (peak efficiency, full utilisation)"));

    // GPU and hardware parameters with their sources.
    out.create_group(g + "/gpu");
    out.set_attr(g + "/gpu", "name", gpu_.name);
    out.set_attr(g + "/gpu", "peak_flops", gpu_.peak_flops);
    out.set_attr(g + "/gpu", "memory_bandwidth_bytes_per_s", gpu_.memory_bandwidth_bytes_per_s);
    out.set_attr(g + "/gpu", "board_power_w", gpu_.board_power_w);
    out.set_attr(g + "/gpu", "kernel_launch_s", gpu_.kernel_launch_s);
    out.set_attr(g + "/gpu", "batch_size", gpu_.batch_size);
    out.set_attr(g + "/gpu", "bytes_per_value", gpu_.bytes_per_value);
    out.set_attr(g + "/gpu", "source",
                 std::string("GTX 1080 datasheet (8.873 TFLOPS FP32 boost, 320 GB/s, 180 W TDP); launch overhead "
                             "and batch size are assumptions"));
    out.create_group(g + "/hardware");
    for (const auto& p : accel::describe(hw_)) {
      out.set_attr(g + "/hardware", p.key, p.value);
      out.set_attr(g + "/hardware", p.key + "_source", p.source);
    }
    out.set_attr(g + "/hardware", "csa_stages", hw_.csa_stages);
    out.set_attr(g + "/hardware", "csa_stages_source",
                 std::string("Sec 4.1.2: \"rounds\" = 3:2 rounds over the shifted operands (default), \"paper\" = "
                             "ceil(log_{3/2}(w*u)) stages"));
    // Table 1 totals at the reference sizes (1K products, 64-row AMs) and at the headline sizes.
    for (const auto& [label, cb] : {std::pair<std::string, accel::CodebookSizes>{"table1", {16, 64, 64}},
                                    std::pair<std::string, accel::CodebookSizes>{"headline", headline_}}) {
      const accel::HardwareTotals t = accel::hardware_totals(cb, hw_);
      const std::string tg = g + "/totals_" + label;
      out.create_group(tg);
      out.set_attr(tg, "w", cb.w);
      out.set_attr(tg, "u", cb.u);
      out.set_attr(tg, "q", cb.q);
      out.set_attr(tg, "rna_area_um2", t.rna_area_um2);
      out.set_attr(tg, "rna_power_w", t.rna_power_w);
      out.set_attr(tg, "tile_area_mm2", t.tile_area_mm2);
      out.set_attr(tg, "tile_power_w", t.tile_power_w);
      out.set_attr(tg, "chip_area_mm2", t.chip_area_mm2);
      out.set_attr(tg, "chip_power_w", t.chip_power_w);
    }
  }

  std::vector<std::string> models_;
  std::string shape_source_;
  accel::CodebookSizes headline_;
  std::vector<double> sharing_;
  std::vector<std::string> sharing_models_;
  std::string composer_path_;
  std::vector<std::string> composer_names_;
  std::vector<std::string> cpu_models_;
  std::int64_t cpu_repeats_ = 5;
  accel::HardwareParams hw_;
  accel::GpuParams gpu_;
  std::vector<accel::PublishedAccelerator> published_;
  std::vector<Config> configs_;
  std::vector<double> rows_;
};

}  // namespace

ExperimentInfo accelerator_experiment() {
  return {"accelerator",
          "cost the Table 2 networks on the RAPIDNN model (Sec 4, Table 1) vs GPU, CPU and published accelerators",
          "/accelerator/configs/<column>: latency, energy, EDP, area, memory, efficiency and breakdowns per "
          "(model, w, u, q, sharing, chips); baselines, parameters with sources, Δe joined from the composer",
          [] { return std::unique_ptr<Experiment>(new Accelerator()); }};
}

}  // namespace rapidnn::experiments
