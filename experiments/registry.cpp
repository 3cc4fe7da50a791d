#include "core/error.hpp"
#include "experiment.hpp"

namespace rapidnn::experiments {

// One factory per driver, defined in experiments/<name>.cpp.
ExperimentInfo baselines_experiment();
ExperimentInfo composer_experiment();
ExperimentInfo composed_eval_experiment();
ExperimentInfo ndcam_variation_experiment();
ExperimentInfo ndcam_accuracy_experiment();
ExperimentInfo accelerator_experiment();
ExperimentInfo codebooks_experiment();

const std::vector<ExperimentInfo>& registry() {
  static const std::vector<ExperimentInfo> all = {
      baselines_experiment(),
      composer_experiment(),
      composed_eval_experiment(),
      ndcam_variation_experiment(),
      ndcam_accuracy_experiment(),
      accelerator_experiment(),
      codebooks_experiment(),
  };
  return all;
}

const ExperimentInfo& find_experiment(std::string_view name, const std::string& source) {
  std::string known;
  for (const auto& e : registry()) {
    if (e.name == name) return e;
    known += (known.empty() ? "" : ", ") + e.name;
  }
  throw ConfigError(fmt::format("{}: key 'experiment': unknown experiment \"{}\"; known: {}", source, name, known));
}

std::filesystem::path resolve_path(const std::filesystem::path& config_dir, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || p.empty()) return path;
  return config_dir / path;
}

}  // namespace rapidnn::experiments
