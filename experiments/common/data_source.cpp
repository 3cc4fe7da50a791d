#include "common/data_source.hpp"

#include "core/error.hpp"
#include "experiment.hpp"
#include "io/datasets/cifar.hpp"
#include "io/datasets/idx.hpp"
#include "io/datasets/normalize.hpp"
#include "io/datasets/uci_text.hpp"

namespace rapidnn::experiments {

DataSource parse_data_source(ConfigNode& node, const std::filesystem::path& config_dir) {
  DataSource s;
  s.dataset = node.get_choice("dataset", "fashion-mnist",
                              {"fashion-mnist", "mnist", "isolet", "har", "cifar10", "cifar100"});
  const bool needs_dir = s.dataset == "fashion-mnist" || s.dataset == "mnist" || s.dataset == "har";
  const std::string default_dir = s.dataset == "fashion-mnist" ? datasets::kDebianFashionMnistDir.string() : "";
  if (needs_dir) {
    const std::string dir = node.get_string("dir", default_dir);
    if (dir.empty()) node.fail("dir", fmt::format("dataset \"{}\" needs the folder holding its files", s.dataset));
    s.dir = resolve_path(config_dir, dir);
  } else {
    for (const auto& f : node.get_string_list("train_files", {})) s.train_files.push_back(resolve_path(config_dir, f));
    for (const auto& f : node.get_string_list("test_files", {})) s.test_files.push_back(resolve_path(config_dir, f));
    if (s.train_files.empty()) node.fail("train_files", fmt::format("dataset \"{}\" needs train_files", s.dataset));
    if (s.test_files.empty()) node.fail("test_files", fmt::format("dataset \"{}\" needs test_files", s.dataset));
    if (s.dataset == "isolet" && (s.train_files.size() != 1 || s.test_files.size() != 1))
      node.fail("train_files", "isolet takes exactly one train file and one test file (.data)");
  }
  s.train_limit = node.get_int("train_limit", -1, -1, std::int64_t{1} << 40);
  s.test_limit = node.get_int("test_limit", -1, -1, std::int64_t{1} << 40);
  const bool tabular = s.dataset == "isolet" || s.dataset == "har";
  s.normalize = node.get_choice("normalize", tabular ? "standardize" : "unit", {"unit", "standardize", "none"});
  return s;
}

namespace {
datasets::Dataset load_split(const DataSource& s, bool train) {
  const std::int64_t limit = train ? s.train_limit : s.test_limit;
  const std::string split = train ? "train" : "test";
  if (s.dataset == "fashion-mnist" || s.dataset == "mnist") return datasets::load_mnist_format(s.dir, split, limit);
  if (s.dataset == "har") return datasets::load_uci_har(s.dir, split, limit);
  const auto& files = train ? s.train_files : s.test_files;
  if (s.dataset == "isolet") return datasets::load_isolet(files.front(), limit);
  const auto variant = s.dataset == "cifar10" ? datasets::CifarVariant::kCifar10 : datasets::CifarVariant::kCifar100Fine;
  return datasets::load_cifar_binary(files, variant, limit);
}
}  // namespace

DataGeometry data_geometry(const DataSource& s) {
  if (s.dataset == "fashion-mnist" || s.dataset == "mnist") return {{1, 28, 28}, 10};
  if (s.dataset == "isolet") return {{1, 1, 617}, 26};
  if (s.dataset == "har") return {{1, 1, 561}, 6};
  if (s.dataset == "cifar10") return {{3, 32, 32}, 10};
  return {{3, 32, 32}, 100};
}

LoadedData load_data(const DataSource& source) {
  LoadedData d{load_split(source, true), load_split(source, false)};
  const DataGeometry g = data_geometry(source);
  for (const auto* split : {&d.train, &d.test}) {
    RAPIDNN_THROW_IF_NOT(split->d == g.shape.size() && split->classes == g.classes, IoError,
                         "{}: {} features and {} classes, but {} has {} features and {} classes",
                         split->name, split->d, split->classes, source.dataset, g.shape.size(), g.classes);
  }
  if (source.normalize == "unit") {
    datasets::scale_to_unit(d.train);
    datasets::scale_to_unit(d.test);
  } else if (source.normalize == "standardize") {
    const auto stats = datasets::compute_feature_stats(d.train);
    datasets::standardize(d.train, stats);
    datasets::standardize(d.test, stats);
  }
  return d;
}

nn::Matrix to_matrix(const datasets::Dataset& data) {
  return Eigen::Map<const nn::Matrix>(data.features.data(), data.n, data.d);
}

std::vector<int> to_labels(const datasets::Dataset& data) { return {data.labels.begin(), data.labels.end()}; }


}  // namespace rapidnn::experiments
