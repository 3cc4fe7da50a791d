#include "distributed/codebook_output.hpp"

#include <limits>

#include "core/error.hpp"

namespace rapidnn::distributed {

void write_codebook_job(io::ResultFile& out, const std::string& group, const JobResult& job, const JobParams& params,
                        const std::string& weights_description) {
  const par::Communicator& comm = out.comm();
  const std::uint64_t S = job.sharded.size();
  const std::uint64_t P = S + job.whole.size();
  const par::Range mine = job.blocks[static_cast<std::size_t>(comm.rank())];
  // This rank's rows: the sharded problems on rank 0, then its block of whole problems.
  std::vector<std::size_t> plan_idx;
  std::vector<const ProblemResult*> res;
  if (comm.is_root())
    for (std::size_t i = 0; i < S; ++i) {
      plan_idx.push_back(job.sharded[i]);
      res.push_back(&job.sharded_results[i]);
    }
  for (std::uint64_t i = mine.begin; i < mine.end; ++i) {
    plan_idx.push_back(job.whole[i]);
    res.push_back(&job.whole_results[i - mine.begin]);
  }
  const std::uint64_t offset = comm.is_root() ? 0 : S + mine.begin;
  const std::size_t n = plan_idx.size();

  out.create_group(group);
  std::vector<std::string> names;
  std::vector<double> fan_in, outputs, conv;
  for (const auto& l : job.layers) {
    names.push_back(l.name);
    fan_in.push_back(static_cast<double>(l.fan_in));
    outputs.push_back(static_cast<double>(l.outputs));
    conv.push_back(l.conv ? 1.0 : 0.0);
  }
  out.set_attr(group, "layer_names", names);
  out.set_attr(group, "layer_fan_in", std::span<const double>(fan_in));
  out.set_attr(group, "layer_outputs", std::span<const double>(outputs));
  out.set_attr(group, "layer_conv", std::span<const double>(conv));
  out.set_attr(group, "k", params.k);
  out.set_attr(group, "tree_levels", params.tree_levels);
  out.set_attr(group, "shard_above", static_cast<std::int64_t>(params.shard_above));
  out.set_attr(group, "histogram_bins", params.fast.histogram_bins);
  out.set_attr(group, "refine_passes", params.fast.max_refine_passes);
  out.set_attr(group, "lloyd_steps", params.fast.max_lloyd_steps);
  out.set_attr(group, "weights", weights_description);
  out.set_attr(group, "row_order", "sharded problems (plan order), then whole problems (plan order)");

  auto column = [&](const std::string& path, auto f) {
    using T = decltype(f(std::size_t{0}));
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = f(i);
    out.write_rows(path, std::span<const T>(v), {P}, offset);
  };
  const std::string pg = group + "/problems";
  out.create_group(pg);
  column(pg + "/layer", [&](std::size_t i) { return static_cast<std::int64_t>(job.problems[plan_idx[i]].layer); });
  column(pg + "/channel", [&](std::size_t i) { return job.problems[plan_idx[i]].channel; });
  column(pg + "/size", [&](std::size_t i) { return job.problems[plan_idx[i]].size; });
  column(pg + "/sharded", [&](std::size_t i) { return static_cast<std::uint8_t>(job.problems[plan_idx[i]].sharded); });
  column(pg + "/owner", [&](std::size_t i) {
    return job.problems[plan_idx[i]].sharded ? std::int32_t{-1} : static_cast<std::int32_t>(comm.rank());
  });

  if (params.k > 0) {
    const std::string fg = group + "/flat";
    out.create_group(fg);
    const auto K = static_cast<std::uint64_t>(params.k);
    std::vector<double> cents(n * K, std::numeric_limits<double>::quiet_NaN());
    std::vector<std::uint64_t> counts(n * K, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < res[i]->flat.centroids.size(); ++c) {
        cents[i * K + c] = res[i]->flat.centroids[c];
        counts[i * K + c] = res[i]->flat.counts[c];
      }
    out.write_rows(fg + "/centroids", std::span<const double>(cents), {P, K}, offset);
    out.write_rows(fg + "/counts", std::span<const std::uint64_t>(counts), {P, K}, offset);
    column(fg + "/k", [&](std::size_t i) { return static_cast<std::int32_t>(res[i]->flat.k()); });
    column(fg + "/wcss", [&](std::size_t i) { return res[i]->flat.wcss; });
    column(fg + "/iterations", [&](std::size_t i) { return static_cast<std::int32_t>(res[i]->flat.iterations); });
    column(fg + "/time_s", [&](std::size_t i) { return res[i]->flat_s; });
  }
  if (params.tree_levels > 0) {
    const std::string tg = group + "/tree";
    out.create_group(tg);
    const auto L = static_cast<std::uint64_t>(params.tree_levels);
    std::vector<double> wcss(n * L);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t l = 0; l < L; ++l) wcss[i * L + l] = res[i]->tree.level_wcss[l];
    out.write_rows(tg + "/wcss", std::span<const double>(wcss), {P, L}, offset);
    column(tg + "/time_s", [&](std::size_t i) { return res[i]->tree_s; });
    for (int l = 1; l <= params.tree_levels; ++l) {
      const std::string lg = fmt::format("{}/level_{}", tg, l);
      out.create_group(lg);
      const std::uint64_t w = std::uint64_t{1} << l;
      std::vector<double> c(n * w);
      std::vector<std::uint64_t> cnt(n * w);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < w; ++j) {
          c[i * w + j] = res[i]->tree.level(l)[j];
          cnt[i * w + j] = res[i]->tree.level_counts[static_cast<std::size_t>(l - 1)][j];
        }
      out.write_rows(lg + "/centroids", std::span<const double>(c), {P, w}, offset);
      out.write_rows(lg + "/counts", std::span<const std::uint64_t>(cnt), {P, w}, offset);
    }
  }

  const std::string rg = group + "/ranks";
  out.create_group(rg);
  const auto R = static_cast<std::uint64_t>(comm.size());
  const auto r0 = static_cast<std::uint64_t>(comm.rank());
  const RankReport& rep = job.rank;
  auto one = [&](const std::string& name, auto v) {
    using T = decltype(v);
    out.write_rows(rg + "/" + name, std::span<const T>(&v, 1), {R}, r0);
  };
  one("total_s", rep.total_s);
  one("load_s", rep.load_s);
  one("whole_s", rep.whole_s);
  one("sharded_s", rep.sharded_s);
  one("local_values", rep.local_values);
  one("shard_bytes", rep.shard_bytes);
  one("bytes_communicated", rep.bytes_communicated);
  one("gathered_values", rep.gathered_values);
  one("peak_rss_bytes", rep.peak_rss_bytes);
  one("whole_problems", rep.whole_problems);
}

}  // namespace rapidnn::distributed
