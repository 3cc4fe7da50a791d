#pragma once
// The contract between `rapidnn run` and an experiment driver. A driver is a thin layer:
// configure() turns its TOML table into typed settings (every error is a ConfigError naming the
// key), run() does the work on every rank and writes results into the ResultFile.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "io/result_file.hpp"
#include "par/communicator.hpp"

namespace rapidnn::experiments {

struct RunContext {
  const par::Communicator& comm;
  io::ResultFile& out;
  std::uint64_t seed;
  /// Folder of the configuration file: relative paths in a config are resolved against it.
  std::filesystem::path config_dir;
};

class Experiment {
 public:
  virtual ~Experiment() = default;
  /// Reads this experiment's settings (usually the table named like the experiment) from the
  /// root of the configuration. Called on every rank; must not do I/O beyond checks.
  /// `config_dir` is the configuration file's folder (resolve relative paths with resolve_path).
  virtual void configure(ConfigNode& root, const std::filesystem::path& config_dir) = 0;
  /// Collective: every rank calls it. Writes under /<experiment name>/ in ctx.out.
  virtual void run(RunContext& ctx) = 0;
  /// Plain-text table printed by rank 0 after a successful run (may be empty).
  virtual std::string report() const { return {}; }
  /// After configure(): the most ranks that have work (e.g. one per training run), 0 when any
  /// number can be used. `rapidnn validate --layout CORES` turns it into ranks x threads.
  virtual int max_useful_ranks() const { return 0; }
};

struct ExperimentInfo {
  std::string name;
  std::string summary;   // one line: what it does
  std::string produces;  // one line: what the result file holds
  std::unique_ptr<Experiment> (*make)();
};

/// All experiments, in the order `rapidnn list` prints them.
const std::vector<ExperimentInfo>& registry();
/// Throws ConfigError naming `source` (config file) and listing the known experiments.
const ExperimentInfo& find_experiment(std::string_view name, const std::string& source);

/// Resolves a path from a config: absolute paths stay, relative ones are taken from config_dir.
std::filesystem::path resolve_path(const std::filesystem::path& config_dir, const std::string& p);

}  // namespace rapidnn::experiments
