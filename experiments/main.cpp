// rapidnn: one executable for every experiment.
//   rapidnn list                         experiments and what they produce
//   rapidnn validate CONFIG.toml         check a configuration without running it
//           [--effective | --layout CORES]  only the effective TOML / only "RANKS THREADS"
//   rapidnn run CONFIG.toml [-o OUT.h5] [--overwrite]
// Runs the same as a single process, under mpirun -n N and under srun.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "experiment.hpp"
#include "io/result_file.hpp"
#include "par/communicator.hpp"
#include "par/coordinated.hpp"
#include "par/error_exit.hpp"

namespace {

using namespace rapidnn;

struct LoadedConfig {
  ConfigDocument doc;
  const experiments::ExperimentInfo* info = nullptr;
  std::unique_ptr<experiments::Experiment> experiment;
  std::uint64_t seed = 1;
  std::string output;
};

/// Rank 0 reads the file, every rank parses the broadcast text and configures the experiment.
/// Errors are coordinated: every rank gets them at the same point, one rank prints.
LoadedConfig load_config(const par::Communicator& comm, const std::string& path) {
  std::string text;
  par::coordinated(comm, [&] {
    if (comm.is_root()) text = ConfigDocument::read_text(path);
  });
  comm.bcast(text);
  LoadedConfig loaded{ConfigDocument::parse("", path), nullptr, nullptr, 1, {}};
  par::coordinated(comm, [&] {
    loaded.doc = ConfigDocument::parse(text, path);
    auto root = loaded.doc.root();
    const std::string name = root.require_string("experiment");
    loaded.info = &experiments::find_experiment(name, path);
    loaded.seed = static_cast<std::uint64_t>(root.get_int("seed", 1, 0, std::int64_t{1} << 53));
    loaded.output = root.get_string("output", "results/" + name + ".h5");
    loaded.experiment = loaded.info->make();
    loaded.experiment->configure(root, std::filesystem::absolute(path).parent_path());
    loaded.doc.check_unknown_keys();
  });
  return loaded;
}

int list_experiments() {
  std::printf("%-18s %s\n", "experiment", "what it does / what the result file holds");
  for (const auto& e : experiments::registry()) {
    std::printf("%-18s %s\n%-18s -> %s\n", e.name.c_str(), e.summary.c_str(), "", e.produces.c_str());
  }
  return 0;
}

int run(const par::Communicator& comm, const std::string& config_path, const std::string& out_override,
        bool overwrite) {
  LoadedConfig cfg = load_config(comm, config_path);
  const std::filesystem::path out = out_override.empty() ? cfg.output : out_override;
  io::RunInfo info{cfg.info->name, cfg.doc.effective_text(), config_path, cfg.seed};
  auto result = io::ResultFile::create(comm, out, overwrite, info);
  log_info(fmt::format("running '{}' on {} rank(s) x {} thread(s), writing {}", cfg.info->name, comm.size(),
                       tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism),
                       out.string()));
  experiments::RunContext ctx{comm, result, cfg.seed,
                              std::filesystem::absolute(config_path).parent_path()};
  try {
    cfg.experiment->run(ctx);
    result.commit();
  } catch (const Error& e) {
    // Every rank is unwinding from the same point: close the file collectively now, so that
    // the job can end normally (ErrorExit) with nothing left open.
    if (e.agreed()) result.discard();
    throw;
  }
  if (comm.is_root()) {
    const std::string report = cfg.experiment->report();
    if (!report.empty()) std::printf("%s\n", report.c_str());
    std::printf("rapidnn: wrote %s\n", out.string().c_str());
  }
  return 0;
}

/// Ranks and oneTBB threads per rank for a machine with `cores` cores: as many ranks as have
/// work (the experiment's max_useful_ranks, all cores when it has no limit), and the cores shared
/// out among them (at least one thread each).
std::pair<int, int> layout_for(const experiments::Experiment& experiment, int cores) {
  cores = std::max(1, cores);
  const int useful = experiment.max_useful_ranks();
  const int ranks = useful > 0 ? std::min(cores, useful) : cores;
  return {ranks, std::max(1, cores / ranks)};
}

/// `rapidnn validate CONFIG`: checks the configuration and prints the effective one.
/// --effective: only the effective TOML (scripts compare it with a result's /rapidnn/config);
/// --layout CORES: only "RANKS THREADS" (experiments/run-default.sh).
int validate(const par::Communicator& comm, const std::string& config_path, bool effective_only, int layout_cores) {
  LoadedConfig cfg = load_config(comm, config_path);
  if (!comm.is_root()) return 0;
  if (layout_cores > 0) {
    const auto [ranks, threads] = layout_for(*cfg.experiment, layout_cores);
    std::printf("%d %d\n", ranks, threads);
  } else if (effective_only) {
    std::printf("%s", cfg.doc.effective_text().c_str());
  } else {
    std::printf("%s: valid configuration for experiment '%s'\n# effective configuration:\n%s\n",
                config_path.c_str(), cfg.info->name.c_str(), cfg.doc.effective_text().c_str());
  }
  return 0;
}

/// oneTBB threads per rank = cores / ranks on this node (at least 1), so that `mpirun -n N` on
/// one machine does not oversubscribe it. RAPIDNN_THREADS overrides.
std::size_t threads_per_rank(const par::Communicator& comm) {
  if (const char* env = std::getenv("RAPIDNN_THREADS")) return std::max(1, std::atoi(env));
  int local_ranks = 1;
  if (comm.is_distributed()) {
    MPI_Comm node;
    MPI_Comm_split_type(comm.native(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local_ranks);
    MPI_Comm_free(&node);
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, cores / static_cast<unsigned>(local_ranks));
}

}  // namespace

int main(int argc, char** argv) {
  par::Environment env(argc, argv);
  const auto comm = par::Communicator::world();
  set_log_rank(comm.rank());
  par::ErrorExit error_exit(comm);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, threads_per_rank(comm));

  CLI::App app{"rapidnn: reinterpret DNNs for the RAPIDNN in-memory accelerator and model its costs"};
  app.require_subcommand(1);
  app.add_subcommand("list", "List the experiments and what they produce");
  std::string config, out;
  bool overwrite = false;
  bool effective_only = false;
  int layout_cores = 0;
  auto* validate_cmd = app.add_subcommand("validate", "Check a configuration without running it");
  validate_cmd->add_option("CONFIG", config, "experiment configuration (TOML)")->required();
  auto* effective_flag = validate_cmd->add_flag("--effective", effective_only,
                                                "print only the effective configuration (TOML)");
  validate_cmd->add_option("--layout", layout_cores,
                           "print only 'RANKS THREADS' to run this configuration on CORES cores")
      ->check(CLI::PositiveNumber)->excludes(effective_flag);
  auto* run_cmd = app.add_subcommand("run", "Run the experiment a configuration names");
  run_cmd->add_option("CONFIG", config, "experiment configuration (TOML)")->required();
  run_cmd->add_option("-o,--output", out, "result file (default: the config's 'output')");
  run_cmd->add_flag("--overwrite", overwrite, "replace an existing result file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = comm.is_root() ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : 2);
    return code;
  }

  try {
    if (app.got_subcommand("list")) return comm.is_root() ? list_experiments() : 0;
    if (app.got_subcommand("validate")) return validate(comm, config, effective_only, layout_cores);
    return run(comm, config, out, overwrite);
  } catch (...) {
    // One message for the job, a non-zero exit, no rank left waiting (par/error_exit.hpp).
    return error_exit.handle(std::current_exception());
  }
}
